import type { EventEnvelope } from "../../../contracts/envelope.ts";
import { streamKind } from "../../../contracts/envelope.ts";
import { checkoutDecider, checkoutStream } from "../../ledger/checkout/checkout.decider.ts";
import { checkoutCodec } from "../../ledger/checkout/checkout.events.ts";
import { creditLineDecider, creditLineStream } from "../../ledger/creditline/creditline.decider.ts";
import { creditLineCodec } from "../../ledger/creditline/creditline.events.ts";
import { Rejection } from "../../ledger/decider.ts";
import { commandHandler } from "../../platform/command-handler.ts";
import type { EventStore } from "../../platform/eventstore/port.ts";

/**
 * The credit line follows the transaction: Settled captures the hold, Failed releases it. Expired,
 * Aborted and Denied release a hold if one was placed (an approval that crashed between the hold and the
 * transaction's Pending leaves one), so no hold outlives its checkout.
 */
export function creditLineReactions(store: EventStore) {
  const checkouts = commandHandler(store, checkoutDecider, checkoutCodec);
  const creditLines = commandHandler(store, creditLineDecider, creditLineCodec);
  return async (envelope: EventEnvelope): Promise<void> => {
    if (streamKind(envelope.streamId) !== "checkout") return;
    const event = checkoutCodec.decode(envelope);
    if (!["Settled", "Failed", "Expired", "Aborted", "Denied"].includes(event.type)) return;
    const transactionId = envelope.streamId.slice("checkout-".length);
    const { state } = await checkouts.load(checkoutStream(transactionId));
    if (!state.userId) return;
    const meta = {
      now: envelope.occurredAt,
      actor: "reactor:credit-line",
      tenantId: "kredivo",
      correlationId: envelope.correlationId,
      causationId: envelope.eventId,
    };
    const command =
      event.type === "Settled"
        ? { type: "CaptureHold" as const, transactionId }
        : { type: "ReleaseHold" as const, transactionId, reason: event.type.toLowerCase() };
    try {
      await creditLines.handle(creditLineStream(state.userId), command, meta);
    } catch (error) {
      const noHold =
        error instanceof Rejection && error.rule === "hold_must_exist" && event.type !== "Settled";
      if (!noHold) throw error;
    }
  };
}
