import { describe, expect, it } from "vitest";
import { fold, InvariantViolation } from "../decider.ts";
import {
  history,
  initiated,
  otpVerified,
  pending,
  SEED_ORDER,
  settle,
  settled,
  verifyOtp,
} from "../testing/checkout-fixtures.ts";
import { spec } from "../testing/decider-spec.ts";
import { type CheckoutCommand, checkoutDecider } from "./checkout.decider.ts";
import type { CheckoutEvent } from "./checkout.events.ts";

// 0-click (seed "Initiate 0-click Checkout"): tokenization requested at init and recorded once settled; a
// checkout authenticated by a user_token, approved at once or sent to an OTP challenge.

const checkout = spec(checkoutDecider);

const tokenizationRequested: CheckoutEvent = {
  type: "TokenizationRequested",
  data: { clientUserKey: "buyer@example.com" },
};
const initiateTokenizing: CheckoutCommand = {
  type: "Initiate",
  data: SEED_ORDER,
  tokenization: { clientUserKey: "buyer@example.com" },
};
const zeroClick = (flaggedBy: string[], hold?: { placed: true } | { placed: false; reason: string }) =>
  ({
    type: "InitiateZeroClick",
    data: SEED_ORDER,
    userId: "user-1",
    userToken: "tok-1",
    flaggedBy,
    hold,
    confirmTimeoutSeconds: 30,
  }) satisfies CheckoutCommand;
const authenticated = (flaggedBy: string[] = []): CheckoutEvent => ({
  type: "AuthenticatedByToken",
  data: { userId: "user-1", userToken: "tok-1", flaggedBy },
});
const challengeOpened: CheckoutEvent = { type: "ChallengeOpened", data: { sessionHash: "session-1" } };
const tokenIssued: CheckoutEvent = { type: "UserTokenIssued", data: { userToken: "tok-1" } };

describe("checkout decider, 0-click", () => {
  describe("when none", () => {
    it("tokenize_user records the tokenization request beside the initiation", () => {
      checkout.given([]).when(initiateTokenizing).yields([initiated(), tokenizationRequested]);
    });
    it("an unflagged 0-click checkout is authenticated and approved in one append", () => {
      checkout
        .given([])
        .when(zeroClick([], { placed: true }))
        .yields([initiated(), authenticated(), pending({ tenure: SEED_ORDER.tenure })]);
    });
    it("an unflagged 0-click checkout the credit line refuses is denied", () => {
      checkout
        .given([])
        .when(zeroClick([], { placed: false, reason: "credit_limit_must_cover_amount" }))
        .yields([
          initiated(),
          authenticated(),
          { type: "Denied", data: { reason: "credit_limit_must_cover_amount", userId: "user-1" } },
        ]);
    });
    it("a flagged 0-click checkout waits for its OTP challenge", () => {
      const state = checkout
        .given([])
        .when(zeroClick(["device_not_seen"]))
        .state();
      expect(state.phase).toBe("signed_in");
      expect(state.userId).toBe("user-1");
      expect(state.sessionHash).toBeUndefined();
    });
    it("a 0-click checkout breaks Initiate's rules as any other", () => {
      checkout
        .given([])
        .when({ ...zeroClick([], { placed: true }), data: { ...SEED_ORDER, amountMinor: 1n } })
        .rejects("amount_must_equal_items_total");
    });
  });

  describe("when initiated", () => {
    it("the same 0-click request again is a no-op", () => {
      checkout
        .given([initiated(), authenticated(), pending()])
        .when(zeroClick([], { placed: true }))
        .yields([]);
    });
    it("another request with the order_id is refused", () => {
      checkout
        .given([initiated({ ...SEED_ORDER, requestFingerprint: "other" })])
        .when(zeroClick([], { placed: true }))
        .rejects("order_id_must_be_unique");
      checkout
        .given([initiated({ ...SEED_ORDER, requestFingerprint: "other" })])
        .when(initiateTokenizing)
        .rejects("order_id_must_be_unique");
    });
    it("a 2-click checkout has no OTP challenge to open", () => {
      checkout
        .given([initiated()])
        .when({ type: "OpenChallenge", sessionHash: "s" })
        .rejects("checkout_must_await_otp_challenge");
    });
  });

  describe("when awaiting the OTP challenge", () => {
    const flagged = [initiated(), authenticated(["device_not_seen"])];
    it("a browser opens it", () => {
      checkout
        .given(flagged)
        .when({ type: "OpenChallenge", sessionHash: "session-1" })
        .yields([challengeOpened]);
    });
    it("its session passes the OTP, then approves as a 2-click buyer does", () => {
      checkout
        .given([...flagged, challengeOpened])
        .when(verifyOtp(true))
        .yields([otpVerified()]);
    });
    it("without an opened challenge the OTP is refused", () => {
      checkout.given(flagged).when(verifyOtp(true)).rejects("session_must_be_signed_in");
    });
    it("once passed, the challenge cannot be opened again", () => {
      checkout
        .given([...flagged, challengeOpened, otpVerified()])
        .when({ type: "OpenChallenge", sessionHash: "s" })
        .rejects("checkout_must_await_otp_challenge");
    });
  });

  describe("when tokenizing and settled", () => {
    const tokenizing = [
      initiated(),
      tokenizationRequested,
      ...history.otpVerified.slice(1),
      pending(),
      settled(),
    ];
    it("records the token issued", () => {
      checkout.given(tokenizing).when({ type: "RecordUserToken", userToken: "tok-1" }).yields([tokenIssued]);
    });
    it("records it once: the token first recorded stands", () => {
      checkout
        .given([...tokenizing, tokenIssued])
        .when({ type: "RecordUserToken", userToken: "tok-2" })
        .yields([]);
      expect(fold(checkoutDecider, [...tokenizing, tokenIssued]).tokenization?.userToken).toBe("tok-1");
    });
    it("settling again is still a no-op", () => {
      checkout
        .given([...tokenizing, tokenIssued])
        .when(settle)
        .yields([]);
    });
  });

  describe("RecordUserToken's rules in precedence order", () => {
    it("walks the order", () => {
      const record: CheckoutCommand = { type: "RecordUserToken", userToken: "tok-1" };
      checkout.given([]).when(record).rejects("transaction_must_exist");
      checkout.given(history.settled).when(record).rejects("tokenization_must_be_requested");
      checkout
        .given([initiated(), tokenizationRequested, ...history.otpVerified.slice(1), pending()])
        .when(record)
        .rejects("transaction_must_be_settled_to_tokenize");
    });
  });

  describe("evolve refuses an impossible history", () => {
    it("a token issued for a checkout that did not ask for one", () => {
      expect(() => fold(checkoutDecider, [initiated(), tokenIssued])).toThrow(InvariantViolation);
    });
    it("a token authentication after the buyer's steps began", () => {
      expect(() => fold(checkoutDecider, [initiated(), authenticated(), authenticated()])).toThrow(
        InvariantViolation,
      );
    });
  });
});
