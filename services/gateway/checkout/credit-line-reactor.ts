import type { EventEnvelope } from "../../../contracts/envelope.ts";
import { streamKind } from "../../../contracts/envelope.ts";
import { checkoutStream } from "../../ledger/checkout/checkout.decider.ts";
import { checkoutCodec } from "../../ledger/checkout/checkout.events.ts";
import { creditLineStream } from "../../ledger/creditline/creditline.decider.ts";
import { Rejection } from "../../ledger/decider.ts";
import type { CheckoutService } from "./checkout-service.ts";

/**
 * The credit line follows the transaction: Settled captures the hold, Failed releases it. Expired,
 * Aborted and Denied release a hold if one was placed (an approval that crashed between the hold and the
 * transaction's Pending leaves one), so no hold outlives its checkout.
 */
export function creditLineReactions(service: CheckoutService) {
  return async (envelope: EventEnvelope): Promise<void> => {
    if (streamKind(envelope.streamId) !== "checkout") return;
    const event = checkoutCodec.decode(envelope);
    if (!["Settled", "Failed", "Expired", "Aborted", "Denied"].includes(event.type)) return;
    const transactionId = envelope.streamId.slice("checkout-".length);
    const { state } = await service.checkouts.load(checkoutStream(transactionId));
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
      await service.creditLines.handle(creditLineStream(state.userId), command, meta);
    } catch (error) {
      const noHold =
        error instanceof Rejection && error.rule === "hold_must_exist" && event.type !== "Settled";
      if (!noHold) throw error;
    }
  };
}
