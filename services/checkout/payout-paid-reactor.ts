import { type EventEnvelope, streamKind } from "../../contracts/envelope.ts";
import { checkoutDecider, checkoutStream } from "../ledger/checkout/checkout.decider.ts";
import { checkoutCodec } from "../ledger/checkout/checkout.events.ts";
import { merchantCodec } from "../ledger/merchant/merchant.events.ts";
import { commandHandler } from "../platform/command-handler.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import { reactionMeta } from "../platform/reactor.ts";

/**
 * The checkouts follow the merchant's payout: PayoutMade marks every transaction it covers Paid, with the
 * payout id and its bank reference. MarkPaid with the same payout id is a no-op, so a reaction repeated
 * after a crash changes nothing; a transaction paid by another payout is refused (the merchant decider
 * never lets that happen), which stops this reactor loudly rather than hide it.
 */
export function payoutPaidReactions(store: EventStore) {
  const checkouts = commandHandler(store, checkoutDecider, checkoutCodec);
  return async (envelope: EventEnvelope): Promise<void> => {
    if (streamKind(envelope.streamId) !== "merchant" || envelope.type !== "PayoutMade") return;
    const event = merchantCodec.decode(envelope);
    if (event.type !== "PayoutMade") return;
    const merchantId = envelope.streamId.slice("merchant-".length);
    const meta = reactionMeta(envelope, "reactor:payout-paid", merchantId);
    const { payoutId, bankReference } = event.data;
    for (const transactionId of event.data.transactionIds) {
      await checkouts.handle(
        checkoutStream(transactionId),
        { type: "MarkPaid", payoutId, bankReference },
        meta,
      );
    }
  };
}
