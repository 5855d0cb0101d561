import type { EventEnvelope } from "../../contracts/envelope.ts";
import { streamKind } from "../../contracts/envelope.ts";
import { checkoutDecider, checkoutStream } from "../ledger/checkout/checkout.decider.ts";
import { checkoutCodec } from "../ledger/checkout/checkout.events.ts";
import { creditLineDecider } from "../ledger/creditline/creditline.decider.ts";
import { creditLineCodec } from "../ledger/creditline/creditline.events.ts";
import { CreditLineRejection } from "../ledger/creditline/creditline.rules.ts";
import { creditLineStream, kredivoLine } from "../ledger/creditline/creditline.stream.ts";
import type { CommandMeta } from "../ledger/decider.ts";
import { commandHandler } from "../platform/command-handler.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import { reactionMeta } from "../platform/reactor.ts";

const creditLineHandler = (store: EventStore) => commandHandler(store, creditLineDecider, creditLineCodec);

/**
 * The credit line follows the transaction: Settled captures the hold into a loan, Cancelled takes part of
 * the loan back, Failed releases the hold. Expired,
 * Aborted and Denied release a hold if one was placed (an approval that crashed between the hold and the
 * transaction's Pending leaves one), so no hold outlives its checkout.
 */
export function creditLineReactions(store: EventStore) {
  const checkouts = commandHandler(store, checkoutDecider, checkoutCodec);
  const creditLines = creditLineHandler(store);
  return async (envelope: EventEnvelope): Promise<void> => {
    if (streamKind(envelope.streamId) !== "checkout") return;
    const event = checkoutCodec.decode(envelope);
    const transactionId = envelope.streamId.slice("checkout-".length);
    const meta = reactionMeta(envelope, "reactor:credit-line");
    switch (event.type) {
      case "Settled": {
        const { userId, merchantId, settledAt, interestMinor, processingFeeMinor } = event.data;
        await creditLines.handle(
          creditLineStream(kredivoLine(userId)),
          {
            type: "CaptureHold",
            transactionId,
            terms: { kind: "loan", merchantId, openedAt: settledAt, interestMinor, processingFeeMinor },
          },
          meta,
        );
        return;
      }
      case "Cancelled": {
        const { userId, cancellationId, amountMinor, interestMinor, processingFeeMinor } = event.data;
        await creditLines.handle(
          creditLineStream(kredivoLine(userId)),
          {
            type: "CancelLoan",
            transactionId,
            cancellationId,
            principalMinor: amountMinor,
            interestMinor,
            feeMinor: processingFeeMinor,
          },
          meta,
        );
        return;
      }
      case "Failed":
      case "Expired":
      case "Aborted":
      case "Denied": {
        const { state } = await checkouts.load(checkoutStream(transactionId));
        if (state.userId) await releaseHold(creditLines, state.userId, transactionId, event.type, meta);
        return;
      }
      default:
        return;
    }
  };
}

/** The hold of a checkout that ended without a loan; only a pending one (later Failed) surely held credit. */
async function releaseHold(
  creditLines: ReturnType<typeof creditLineHandler>,
  userId: string,
  transactionId: string,
  ending: "Failed" | "Expired" | "Aborted" | "Denied",
  meta: CommandMeta,
): Promise<void> {
  try {
    await creditLines.handle(
      creditLineStream(kredivoLine(userId)),
      { type: "ReleaseHold", transactionId, reason: ending.toLowerCase() },
      meta,
    );
  } catch (error) {
    const noHold =
      error instanceof CreditLineRejection && error.rule === "hold_must_exist" && ending !== "Failed";
    if (!noHold) throw error;
  }
}
