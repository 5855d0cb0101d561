import type { Caller } from "../../ledger/decider.ts";
import { newSessionToken, sha256Hex } from "../credentials.ts";
import { buyerCredentials } from "./buyer-credentials.ts";
import type { CheckoutLedger } from "./checkout-ledger.ts";

/** Acts as the buyer: the actor of the events the buyer's steps record. */
export const asBuyer = (caller: Caller, userId: string | undefined): Caller => ({
  ...caller,
  actor: `buyer:${userId ?? "anonymous"}`,
});

/**
 * The buyer on our hosted page proves who they are: phone and PIN, then the OTP. A wrong credential is
 * recorded (it counts toward the lock), not refused.
 */
export function buyerSignIn(ledger: CheckoutLedger) {
  const credentials = buyerCredentials(ledger.readStore, ledger.options.otpCodes, ledger.buyerSecrets);
  return {
    /** What the hosted page shows; read from the stream so the buyer always sees the latest step. */
    async page(transactionId: string) {
      return ledger.loadCheckout(transactionId);
    },

    async signIn(transactionId: string, phone: string, pin: string, caller: Caller) {
      const { initiated } = await ledger.loadCheckout(transactionId);
      const userId = await credentials.userIdFor(phone, pin);
      const valid = userId !== undefined;
      const session = newSessionToken();
      const handled = await ledger.checkoutCommand(
        transactionId,
        { type: "SignIn", userId, sessionHash: sha256Hex(session) },
        asBuyer(caller, userId),
        initiated.merchantId,
      );
      return { signedIn: valid, session: valid ? session : undefined, state: handled.state };
    },

    async verifyOtp(transactionId: string, session: string, otp: string, caller: Caller) {
      const { state, initiated } = await ledger.loadCheckout(transactionId);
      const otpValid = await credentials.otpMatches(state.userId, otp);
      const handled = await ledger.checkoutCommand(
        transactionId,
        { type: "VerifyOtp", sessionHash: sha256Hex(session), otpValid },
        asBuyer(caller, state.userId),
        initiated.merchantId,
      );
      return { verified: otpValid, state: handled.state };
    },
  };
}
