import type { Caller } from "../../ledger/decider.ts";
import { newSessionToken, sha256Hex, verifySecret } from "../credentials.ts";
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
  const { readStore } = ledger;
  return {
    /** What the hosted page shows; read from the stream so the buyer always sees the latest step. */
    async page(transactionId: string) {
      return ledger.loadCheckout(transactionId);
    },

    async signIn(transactionId: string, phone: string, pin: string, caller: Caller) {
      const { initiated } = await ledger.loadCheckout(transactionId);
      const [buyer] = await readStore.query("SELECT user_id, pin_hash FROM buyers WHERE phone = ?", [phone]);
      const valid = buyer !== undefined && verifySecret(pin, String(buyer.pin_hash));
      const userId = valid ? String(buyer.user_id) : undefined;
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
      const [buyer] = state.userId
        ? await readStore.query("SELECT otp_hash FROM buyers WHERE user_id = ?", [state.userId])
        : [];
      const otpValid = buyer !== undefined && verifySecret(otp, String(buyer.otp_hash));
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
