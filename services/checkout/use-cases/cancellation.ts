import { v7 as uuidv7 } from "uuid";
import type { CancelRequest } from "../../../contracts/checkout/cancel.ts";
import { type Caller, Rejection } from "../../ledger/decider.ts";
import type { CheckoutLedger } from "./checkout-ledger.ts";
import type { CheckoutUseCaseRule } from "./rules.ts";

/** The merchant takes back all or part of a settled transaction (transaction/cancel). */
export function cancellation(ledger: CheckoutLedger) {
  return {
    /**
     * Full when amount is absent (everything not yet cancelled), partial otherwise. The transaction must be
     * this merchant's and carry the order_id sent; then the decider's rules apply (CANCEL_RULES). Each
     * accepted request is a new cancellation, unless it carries the id of one already recorded (derived
     * from an Idempotency-Key by cancel-idempotency.ts): then it is a retry and records nothing.
     */
    async cancel(request: CancelRequest, caller: Caller, cancellationId: string = uuidv7()) {
      const { merchantId } = await ledger.merchantByKey(request.server_key);
      const transactionId = request.transaction_id;
      const initiated = (await ledger.findCheckout(transactionId))?.initiated;
      if (!initiated || initiated.merchantId !== merchantId || initiated.orderId !== request.order_id) {
        throw new Rejection<CheckoutUseCaseRule>("transaction_must_match_merchant_order", {
          transactionId,
          orderId: request.order_id,
        });
      }
      const handled = await ledger.checkoutCommand(
        transactionId,
        {
          type: "Cancel",
          cancellationId,
          amountMinor: request.amount?.amountMinor,
          reason: request.reason,
          cancelledBy: request.cancelled_by,
        },
        { ...caller, actor: `merchant:${merchantId}` },
        merchantId,
      );
      return { state: handled.state, initiated };
    },
  };
}
