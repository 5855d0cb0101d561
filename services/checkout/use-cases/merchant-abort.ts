import type { AbortRequest } from "../../../contracts/checkout/abort.ts";
import { type Caller, Rejection } from "../../ledger/decider.ts";
import type { CheckoutLedger } from "./checkout-ledger.ts";
import type { CheckoutUseCaseRule } from "./rules.ts";

/** The merchant aborts an offline checkout before settlement (checkout/<transaction_id>/abort). */
export function merchantAbort(ledger: CheckoutLedger) {
  return {
    /**
     * server_key first (2012); then the transaction must be an offline checkout of this merchant at the
     * dealer and with the order_id sent (2001), then the decider's ABORT_RULES (2043 expired, 2046 not
     * before settlement). A pending one's hold is released by the credit-line reactor. Aborting again
     * answers the same and records nothing.
     */
    async abortOffline(transactionId: string, request: AbortRequest, caller: Caller) {
      const { merchantId } = await ledger.merchantByKey(request.server_key);
      const initiated = (await ledger.findCheckout(transactionId))?.initiated;
      if (
        initiated?.source !== "offline" ||
        initiated.merchantId !== merchantId ||
        initiated.dealerCode !== request.dealer_code ||
        initiated.orderId !== request.order_id
      ) {
        throw new Rejection<CheckoutUseCaseRule>("abort_must_name_an_offline_checkout_of_the_dealer", {
          transactionId,
          dealerCode: request.dealer_code,
          orderId: request.order_id,
        });
      }
      await ledger.checkoutCommand(
        transactionId,
        { type: "Abort", by: "merchant" },
        { ...caller, actor: `merchant:${merchantId}` },
        merchantId,
      );
      return { transactionId };
    },
  };
}
