import type { CheckoutService } from "../../services/checkout/checkout-service.ts";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import type { Tenure } from "../../services/ledger/creditline/creditline.events.ts";
import { testCaller as caller } from "../../services/ledger/testing/decider-spec.ts";

// The buyer's side of a checkout, driven through the checkout service: the hosted page's steps without the
// page.

export interface Buyer {
  readonly userId: string;
  readonly phone: string;
  readonly pin: string;
  readonly otp: string;
}

/** The hosted page's steps for `buyer`: sign in, OTP, approve. Answers the phase the approval ended in. */
export async function approveAs(
  { checkout }: { readonly checkout: CheckoutService },
  transactionId: string,
  buyer: Buyer = SANDBOX_BUYER,
  tenure: Tenure = 1,
): Promise<string> {
  const signedIn = await checkout.signIn(transactionId, buyer.phone, buyer.pin, caller);
  if (!signedIn.session) throw new Error(`sign-in of ${buyer.phone} failed`);
  await checkout.verifyOtp(transactionId, signedIn.session, buyer.otp, caller);
  const approved = await checkout.approve(transactionId, signedIn.session, tenure, caller);
  return approved.state.phase;
}
