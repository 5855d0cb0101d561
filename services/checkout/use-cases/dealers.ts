import { type Caller, invariant } from "../../ledger/decider.ts";
import { merchantStream } from "../../ledger/merchant/merchant.decider.ts";
import type { CheckoutLedger } from "./checkout-ledger.ts";

/**
 * A merchant's dealers (seed 001: sub-merchants that start offline checkouts): registered on the merchant's
 * stream by an operator (/v1) or by the sandbox seed, through the one command. Registering a dealer again
 * changes nothing and answers when it was first registered.
 */
export function dealerRegistration(ledger: CheckoutLedger) {
  return {
    async registerDealer(merchantId: string, dealerCode: string, caller: Caller) {
      const handled = await ledger.merchants.handle(
        merchantStream(merchantId),
        { type: "RegisterDealer", dealerCode },
        ledger.meta(caller, merchantId),
      );
      // Read-your-writes for an offline checkout that names the dealer next.
      if (handled.position !== undefined) await ledger.options.waitForProjections(handled.position);
      const registeredAt = handled.state.dealers.get(dealerCode);
      invariant(
        registeredAt !== undefined,
        `dealer ${dealerCode} of ${merchantId} is registered once decided`,
      );
      // Decided on the merchant's stream, not the read model: the gateway may seed before any projector ran.
      return { created: handled.events.length > 0, position: handled.position, registeredAt };
    },
  };
}
