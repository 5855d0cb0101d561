import type { Caller } from "../../ledger/decider.ts";
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
      if (handled.position !== undefined) await ledger.options.waitForProjections(handled.position);
      const [row] = await ledger.readStore.query(
        "SELECT registered_at FROM merchant_dealers WHERE merchant_id = ? AND dealer_code = ?",
        [merchantId, dealerCode],
      );
      return {
        created: handled.events.length > 0,
        position: handled.position,
        registeredAt: row === undefined ? ledger.meta(caller, merchantId).now : String(row.registered_at),
      };
    },
  };
}
