import { describe, expect, it } from "vitest";
import { MAX_FAILED_AUTH_ATTEMPTS } from "../checkout/checkout.decider.ts";
import { fold } from "../decider.ts";
import { at, spec } from "../testing/decider-spec.ts";
import { type TokenizationCommand, tokenizationDecider } from "./tokenization.decider.ts";
import type { TokenizationEvent, TokenizationRequestedData } from "./tokenization.events.ts";

const tokenization = spec(tokenizationDecider);

const requestedData: Omit<TokenizationRequestedData, "requestedAt"> = {
  tokenizationId: "tz-1",
  merchantId: "merchant-1",
  clientUserKey: "6d0a32af-60c0-492d-bbe0-55e48118a296",
  callbackUrl: "https://api-merchant.io/tokenize/callback",
  backToStoreUrl: "https://api-merchant.io/user/tokenize",
  userToken: "tok-1",
  expiresAt: at(1),
};
const requested: TokenizationEvent = {
  type: "TokenizationRequested",
  data: { ...requestedData, requestedAt: at(0) },
};
const signedIn: TokenizationEvent = {
  type: "TokenizationSignedIn",
  data: { userId: "user-1", sessionHash: "session-1" },
};
const otpVerified: TokenizationEvent = { type: "TokenizationOtpVerified", data: { verifiedAt: at(0) } };

const signIn: TokenizationCommand = { type: "SignIn", userId: "user-1", sessionHash: "session-1" };
const wrongPin: TokenizationCommand = { type: "SignIn", userId: undefined, sessionHash: "session-x" };
const otp = (otpValid: boolean, sessionHash = "session-1"): TokenizationCommand => ({
  type: "VerifyOtp",
  sessionHash,
  otpValid,
});

describe("tokenization decider", () => {
  describe("when not requested", () => {
    it("records the request with the token it will issue", () => {
      tokenization.given([]).when({ type: "Request", data: requestedData }).yields([requested]);
    });
    it("no buyer step names it", () => {
      tokenization.given([]).when(signIn).rejects("tokenization_must_exist");
      tokenization
        .given([])
        .when({ type: "Complete", walletActive: true })
        .rejects("tokenization_must_exist");
    });
  });

  describe("when requested", () => {
    it("is requested once", () => {
      tokenization
        .given([requested])
        .when({ type: "Request", data: requestedData })
        .rejects("tokenization_must_be_requested_once");
    });
    it("signs the buyer in", () => {
      tokenization.given([requested]).when(signIn).yields([signedIn]);
    });
    it("records a wrong phone or PIN", () => {
      tokenization
        .given([requested])
        .when(wrongPin)
        .yields([{ type: "TokenizationSignInFailed", data: { failedAttempts: 1 } }]);
    });
    it("refuses a step once the link has expired", () => {
      tokenization
        .given([requested])
        .when(signIn, { now: at(1) })
        .rejects("tokenization_link_must_not_be_expired");
    });
    it("refuses the OTP without a signed-in session", () => {
      tokenization.given([requested]).when(otp(true)).rejects("tokenization_session_must_be_signed_in");
    });
  });

  describe("when signed in", () => {
    it("verifies the OTP of the signed-in browser", () => {
      tokenization.given([requested, signedIn]).when(otp(true)).yields([otpVerified]);
    });
    it("refuses the OTP of another browser", () => {
      tokenization
        .given([requested, signedIn])
        .when(otp(true, "session-2"))
        .rejects("tokenization_session_must_be_signed_in");
    });
    it("fails with max_otp_attempt on the last wrong PIN or OTP", () => {
      const failures: TokenizationEvent[] = Array.from({ length: MAX_FAILED_AUTH_ATTEMPTS - 2 }, (_, i) => ({
        type: "TokenizationOtpFailed",
        data: { failedAttempts: i + 2 },
      }));
      const history = [
        requested,
        { type: "TokenizationSignInFailed", data: { failedAttempts: 1 } } as const,
        signedIn,
        ...failures,
      ];
      tokenization
        .given(history)
        .when(otp(false))
        .yields([
          { type: "TokenizationOtpFailed", data: { failedAttempts: MAX_FAILED_AUTH_ATTEMPTS } },
          { type: "TokenizationFailed", data: { reason: "max_otp_attempt", failedAt: at(0) } },
        ]);
    });
    it("is not completed before the OTP", () => {
      tokenization
        .given([requested, signedIn])
        .when({ type: "Complete", walletActive: true })
        .rejects("tokenization_step_out_of_order");
    });
  });

  describe("when the OTP is verified", () => {
    const verified = [requested, signedIn, otpVerified];
    it("succeeds with the token chosen at the request, for the signed-in buyer", () => {
      tokenization
        .given(verified)
        .when({ type: "Complete", walletActive: true })
        .yields([
          {
            type: "TokenizationSucceeded",
            data: { userToken: "tok-1", userId: "user-1", succeededAt: at(0) },
          },
        ]);
    });
    it("fails with wallet_inactive when the buyer's wallet is not active", () => {
      tokenization
        .given(verified)
        .when({ type: "Complete", walletActive: false })
        .yields([{ type: "TokenizationFailed", data: { reason: "wallet_inactive", failedAt: at(0) } }]);
    });
    it("refuses another sign-in", () => {
      tokenization.given(verified).when(signIn).rejects("tokenization_step_out_of_order");
    });
  });

  describe("when finished", () => {
    const succeeded: TokenizationEvent = {
      type: "TokenizationSucceeded",
      data: { userToken: "tok-1", userId: "user-1", succeededAt: at(0) },
    };
    it("no buyer step changes it", () => {
      const done = [requested, signedIn, otpVerified, succeeded];
      tokenization.given(done).when(signIn).rejects("tokenization_must_await_buyer");
      tokenization
        .given(done)
        .when({ type: "Complete", walletActive: true })
        .rejects("tokenization_step_out_of_order");
      expect(fold(tokenizationDecider, done).phase).toBe("succeeded");
    });
  });

  it("the buyer steps' rules answer in precedence order", () => {
    // exists → awaits the buyer → link not expired → session → step order
    const failed: TokenizationEvent = {
      type: "TokenizationFailed",
      data: { reason: "wallet_inactive", failedAt: at(0) },
    };
    const cases: [readonly TokenizationEvent[], TokenizationCommand, string, string][] = [
      [[], otp(true), at(0), "tokenization_must_exist"],
      [[requested, failed], otp(true), at(2), "tokenization_must_await_buyer"],
      [[requested], otp(true, "nope"), at(2), "tokenization_link_must_not_be_expired"],
      [[requested], otp(true, "nope"), at(0), "tokenization_session_must_be_signed_in"],
      [[requested, signedIn, otpVerified], otp(true), at(0), "tokenization_step_out_of_order"],
    ];
    for (const [history, command, now, rule] of cases) {
      tokenization.given(history).when(command, { now }).rejects(rule);
    }
  });
});
