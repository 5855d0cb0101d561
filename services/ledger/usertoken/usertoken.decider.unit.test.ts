import { describe, expect, it } from "vitest";
import { fold, InvariantViolation } from "../decider.ts";
import { at, spec } from "../testing/decider-spec.ts";
import {
  type UserTokenCommand,
  userTokenDecider,
  ZERO_CLICK_RULES,
  type ZeroClickRiskRules,
  zeroClickOf,
} from "./usertoken.decider.ts";
import type { RiskFlag, UserTokenEvent } from "./usertoken.events.ts";

const token = spec(userTokenDecider);
const risk: ZeroClickRiskRules = {
  maxAmountMinor: 10_000_000n,
  maxCheckoutsInWindow: 2,
  windowSeconds: 3600,
};

const issuedData = {
  userToken: "tok-1",
  merchantId: "merchant-1",
  clientUserKey: "buyer@example.com",
  userId: "user-1",
  via: "checkout" as const,
  transactionId: "tx-0",
  deviceId: "phone-1",
};
const issue: UserTokenCommand = { type: "Issue", data: issuedData };
const issued: UserTokenEvent = { type: "UserTokenIssued", data: { ...issuedData, issuedAt: at(0) } };
const revoked: UserTokenEvent = { type: "UserTokenRevoked", data: { revokedAt: at(0), revokedBy: "test" } };

const startZeroClick = (overrides: Partial<Extract<UserTokenCommand, { type: "StartZeroClick" }>> = {}) =>
  ({
    type: "StartZeroClick",
    transactionId: "tx-1",
    merchantId: "merchant-1",
    clientUserKey: "buyer@example.com",
    amountMinor: 1_000_000n,
    deviceId: "phone-1",
    risk,
    ...overrides,
  }) satisfies UserTokenCommand;

const started = (
  transactionId: string,
  flaggedBy: RiskFlag[] = [],
  startedAt = at(0),
  deviceId = "phone-1",
  amountMinor = 1_000_000n,
): UserTokenEvent => ({
  type: "ZeroClickCheckoutStarted",
  data: { transactionId, amountMinor, deviceId, flaggedBy, startedAt },
});

describe("user token decider", () => {
  describe("when not issued", () => {
    it("issues the token", () => {
      token.given([]).when(issue).yields([issued]);
    });
    it("the token is active and trusts the device it was issued on", () => {
      const state = token.given([]).when(issue).state();
      expect(state.status).toBe("active");
      expect([...state.trustedDevices]).toEqual(["phone-1"]);
    });
    it("a 0-click checkout, a challenge or a revocation is refused", () => {
      token.given([]).when(startZeroClick()).rejects("user_token_must_exist");
      token.given([]).when({ type: "PassChallenge", transactionId: "tx-1" }).rejects("user_token_must_exist");
      token.given([]).when({ type: "Revoke" }).rejects("user_token_must_exist");
    });
  });

  describe("when active", () => {
    it("the same issue again is a no-op", () => {
      token.given([issued]).when(issue).yields([]);
    });
    it("an issue for another buyer is refused", () => {
      token
        .given([issued])
        .when({ type: "Issue", data: { ...issuedData, userId: "user-2" } })
        .rejects("user_token_must_be_issued_once");
    });
    it("a 0-click checkout the risk rules pass starts unflagged", () => {
      token
        .given([issued])
        .when(startZeroClick())
        .yields([started("tx-1")]);
    });
    it("the same transaction again is a no-op: its outcome stands", () => {
      token
        .given([issued, started("tx-1")])
        .when(startZeroClick({ amountMinor: 99_000_000n }))
        .yields([]);
    });
    it("an amount above the threshold is flagged", () => {
      const state = token
        .given([issued])
        .when(startZeroClick({ amountMinor: 10_000_001n }))
        .state();
      expect(zeroClickOf(state, "tx-1")?.flaggedBy).toEqual(["amount_above_threshold"]);
    });
    it("an amount at the threshold is not", () => {
      token
        .given([issued])
        .when(startZeroClick({ amountMinor: 10_000_000n }))
        .yields([started("tx-1", [], at(0), "phone-1", 10_000_000n)]);
    });
    it("a device not seen before, or none named, is flagged", () => {
      for (const deviceId of ["laptop-9", undefined]) {
        const state = token.given([issued]).when(startZeroClick({ deviceId })).state();
        expect(zeroClickOf(state, "tx-1")?.flaggedBy).toEqual(["device_not_seen"]);
      }
    });
    it("more than N 0-click checkouts within the window are flagged; older ones do not count", () => {
      const two = [started("tx-a", [], at(0, -1000)), started("tx-b", [], at(0, -2000))];
      const third = token
        .given([issued, ...two])
        .when(startZeroClick())
        .state();
      expect(zeroClickOf(third, "tx-1")?.flaggedBy).toEqual(["too_many_checkouts_in_window"]);
      const old = [started("tx-a", [], at(0, -3_600_000)), started("tx-b", [], at(0, -2000))];
      const fine = token
        .given([issued, ...old])
        .when(startZeroClick())
        .state();
      expect(zeroClickOf(fine, "tx-1")?.flaggedBy).toEqual([]);
    });
    it("every flag at once, in RISK_FLAGS order", () => {
      const two = [started("tx-a"), started("tx-b")];
      const state = token
        .given([issued, ...two])
        .when(startZeroClick({ amountMinor: 20_000_000n, deviceId: "x" }))
        .state();
      expect(zeroClickOf(state, "tx-1")?.flaggedBy).toEqual([
        "amount_above_threshold",
        "device_not_seen",
        "too_many_checkouts_in_window",
      ]);
    });
    describe("with a flagged 0-click checkout", () => {
      const flagged = started("tx-1", ["device_not_seen"], at(0), "laptop-9");
      const passed: UserTokenEvent = {
        type: "ZeroClickChallengePassed",
        data: { transactionId: "tx-1", deviceId: "laptop-9", passedAt: at(0) },
      };
      const pass: UserTokenCommand = { type: "PassChallenge", transactionId: "tx-1" };
      it("passing its challenge trusts the device", () => {
        token.given([issued, flagged]).when(pass).yields([passed]);
        expect(token.given([issued, flagged]).when(pass).state().trustedDevices.has("laptop-9")).toBe(true);
      });
      it("passing it again is a no-op", () => {
        token.given([issued, flagged, passed]).when(pass).yields([]);
      });
      it("once passed, it stands passed and counts once in the window", () => {
        const state = token.given([issued, flagged]).when(pass).state();
        expect(zeroClickOf(state, "tx-1")).toMatchObject({
          challengePassed: true,
          flaggedBy: ["device_not_seen"],
        });
        // One checkout in the window (tx-1), not its two versions: the limit of 2 is not reached.
        const next = token
          .given([issued, flagged, passed])
          .when(startZeroClick({ transactionId: "tx-3" }))
          .state();
        expect(zeroClickOf(next, "tx-3")?.flaggedBy).toEqual([]);
      });
    });
    it("an unflagged or unknown checkout has no challenge to pass", () => {
      token
        .given([issued, started("tx-1")])
        .when({ type: "PassChallenge", transactionId: "tx-1" })
        .rejects("zero_click_checkout_must_be_flagged");
      token
        .given([issued])
        .when({ type: "PassChallenge", transactionId: "tx-9" })
        .rejects("zero_click_checkout_must_be_flagged");
    });
    it("revokes the token", () => {
      token.given([issued]).when({ type: "Revoke" }).yields([revoked]);
    });
  });

  describe("when revoked", () => {
    it("revoking again is a no-op", () => {
      token.given([issued, revoked]).when({ type: "Revoke" }).yields([]);
    });
    it("a 0-click checkout is refused", () => {
      token.given([issued, revoked]).when(startZeroClick()).rejects("user_token_must_be_active");
    });
  });

  describe("StartZeroClick's rules in precedence order (ZERO_CLICK_RULES)", () => {
    // Each row breaks its rule and every later one; the answer is always the first.
    const rows: [string, UserTokenEvent[], Partial<Extract<UserTokenCommand, { type: "StartZeroClick" }>>][] =
      [
        ["user_token_must_exist", [], { merchantId: "merchant-2", clientUserKey: "other" }],
        [
          "user_token_must_belong_to_merchant",
          [issued, revoked],
          { merchantId: "merchant-2", clientUserKey: "other" },
        ],
        ["client_user_key_must_match_user_token", [issued, revoked], { clientUserKey: "other" }],
        ["user_token_must_be_active", [issued, revoked], {}],
      ];
    it("walks the order", () => {
      expect(rows.map(([rule]) => rule)).toEqual([...ZERO_CLICK_RULES]);
      for (const [rule, history, overrides] of rows)
        token.given(history).when(startZeroClick(overrides)).rejects(rule);
    });
  });

  describe("evolve refuses an impossible history", () => {
    it("a token issued twice", () => {
      expect(() => fold(userTokenDecider, [issued, issued])).toThrow(InvariantViolation);
    });
    it("a revocation before the issue", () => {
      expect(() => fold(userTokenDecider, [revoked])).toThrow(InvariantViolation);
    });
  });
});
