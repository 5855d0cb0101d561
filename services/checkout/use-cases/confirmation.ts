import type { UpdateRequest } from "../../../contracts/checkout/update.ts";
import type { CheckoutCommand } from "../../ledger/checkout/checkout.decider.ts";
import { type Caller, Rejection } from "../../ledger/decider.ts";
import { merchantStream } from "../../ledger/merchant/merchant.decider.ts";
import { sameSignature, signatureKey } from "../credentials.ts";
import type { CheckoutLedger } from "./checkout-ledger.ts";
import type { CheckoutUseCaseRule } from "./rules.ts";

/** The merchant's answer to the pending push (checkout/update): settle or fail the transaction. */
export function merchantConfirmation(ledger: CheckoutLedger) {
  const { options } = ledger;
  return {
    /** Authenticated by the signature_key the push carried, which the merchant echoes. */
    async update(body: UpdateRequest, caller: Caller) {
      const { initiated, state } = await ledger.loadCheckout(body.transaction_id);
      const { state: merchant } = await ledger.merchants.load(merchantStream(initiated.merchantId));
      const profile = merchant.profile!;
      const expected = signatureKey(await ledger.serverKeys.hashOf(profile.serverKeyRef), {
        transactionId: initiated.transactionId,
        orderId: initiated.orderId,
        amountMinor: initiated.amountMinor,
        tenure: state.tenure ?? initiated.tenure,
      });
      if (!sameSignature(expected, body.signature_key)) {
        throw new Rejection<CheckoutUseCaseRule>("signature_key_must_match_push");
      }
      const command: CheckoutCommand =
        body.status === "settled"
          ? { type: "Settle", merchantFeeBps: profile.feeRateBps, interestRates: options.interestRates }
          : { type: "Fail", reason: "merchant_reported_failure" };
      const handled = await ledger.checkoutCommand(
        body.transaction_id,
        command,
        { ...caller, actor: `merchant:${initiated.merchantId}` },
        initiated.merchantId,
      );
      return { state: handled.state, initiated };
    },
  };
}
