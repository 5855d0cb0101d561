import { buyerStream } from "../../ledger/buyer/buyer.decider.ts";
import { type CheckoutCommand, checkoutDecider } from "../../ledger/checkout/checkout.decider.ts";
import type { InitiatedData } from "../../ledger/checkout/checkout.events.ts";
import type { Tenure } from "../../ledger/creditline/creditline.events.ts";
import { CreditLineRejection, type CreditLineRule } from "../../ledger/creditline/creditline.rules.ts";
import { creditLineStream, kredivoLine } from "../../ledger/creditline/creditline.stream.ts";
import type { Caller } from "../../ledger/decider.ts";
import { sha256Hex } from "../credentials.ts";
import { asBuyer } from "./buyer-sign-in.ts";
import type { CheckoutLedger } from "./checkout-ledger.ts";

type Hold = Extract<CheckoutCommand, { type: "Approve" }>["hold"];

/**
 * A credit line's refusal of the hold, as the Denied reason the merchant's push says in words. The seed's
 * denied status reads "due to insufficient limit, user has overdue debt, etc.": an overdue buyer is denied
 * with "user_has_overdue_debt" (push message "transaction denied: user has overdue debt"); other rules
 * keep their name.
 */
const DENIAL_REASONS: Readonly<Partial<Record<CreditLineRule, string>>> = {
  buyer_must_not_have_overdue_debt: "user_has_overdue_debt",
};

/**
 * Asks the credit line for the hold; its refusal is not an error but the reason the checkout is denied.
 * Except another tenure than one already held for this checkout (a retry after a crash between the hold
 * and Pending): that is the buyer's choice gone astray, refused as it is and changing nothing, so the buyer
 * can still approve the held tenure.
 */
async function placeHold(
  ledger: CheckoutLedger,
  userId: string,
  initiated: InitiatedData,
  tenure: Tenure,
  buyer: Caller,
): Promise<Hold> {
  const { transactionId, amountMinor } = initiated;
  // A frozen (or closed) buyer is denied before any hold: the rule names why.
  const { state: buyerState } = await ledger.buyers.load(buyerStream(userId));
  if (buyerState.frozen || buyerState.closed) return { placed: false, reason: "buyer_must_not_be_frozen" };
  try {
    await ledger.creditLines.handle(
      creditLineStream(kredivoLine(userId)),
      { type: "PlaceHold", transactionId, amountMinor, tenure },
      ledger.meta(buyer, "kredivo"),
    );
    return { placed: true };
  } catch (error) {
    if (!(error instanceof CreditLineRejection) || error.rule === "hold_must_keep_its_tenure") throw error;
    return { placed: false, reason: DENIAL_REASONS[error.rule] ?? error.rule };
  }
}

/**
 * Credit line first (the hold), then the transaction (`append`, given the credit line's answer). When the
 * transaction refuses, a hold placed for it is released again, so a refused approval holds nothing.
 */
export async function withHold<T>(
  ledger: CheckoutLedger,
  userId: string,
  initiated: InitiatedData,
  tenure: Tenure,
  buyer: Caller,
  append: (hold: Hold) => Promise<T>,
): Promise<T> {
  const hold = await placeHold(ledger, userId, initiated, tenure, buyer);
  try {
    return await append(hold);
  } catch (error) {
    if (hold.placed) {
      await ledger.creditLines.handle(
        creditLineStream(kredivoLine(userId)),
        { type: "ReleaseHold", transactionId: initiated.transactionId, reason: "approval_refused" },
        ledger.meta(buyer, "kredivo"),
      );
    }
    throw error;
  }
}

/** The signed-in buyer approves the checkout with a tenure, or aborts it. */
export function buyerApproval(ledger: CheckoutLedger) {
  const { options } = ledger;

  return {
    /**
     * Credit line first (hold, with its expected revision), then the transaction (Pending or Denied).
     * The hold is idempotent by transaction id, so a retry after a crash completes without holding twice.
     */
    async approve(transactionId: string, session: string, tenure: Tenure, caller: Caller) {
      const { state, initiated } = await ledger.loadCheckout(transactionId);
      const buyer = asBuyer(caller, state.userId);
      const approval = (hold: Hold): CheckoutCommand => ({
        type: "Approve",
        sessionHash: sha256Hex(session),
        tenure,
        hold,
        confirmTimeoutSeconds: options.confirmTimeoutSeconds,
      });
      // Ask the decider before touching the credit line: a checkout that cannot be approved holds nothing.
      checkoutDecider.decide(approval({ placed: true }), state, ledger.meta(buyer, initiated.merchantId));
      const handled = await withHold(ledger, state.userId!, initiated, tenure, buyer, (hold) =>
        ledger.checkoutCommand(transactionId, approval(hold), buyer, initiated.merchantId),
      );
      return { state: handled.state, initiated };
    },

    async abort(transactionId: string, caller: Caller) {
      const { initiated } = await ledger.loadCheckout(transactionId);
      await ledger.checkoutCommand(
        transactionId,
        { type: "Abort", by: "user" },
        { ...caller, actor: "buyer" },
        initiated.merchantId,
      );
      return initiated;
    },
  };
}
