import type { CreditProduct } from "../../contracts/credit-products.ts";
import type { EventData } from "../../contracts/event-codec.ts";
import { creditLineDecider } from "../ledger/creditline/creditline.decider.ts";
import { type CreditLineEvent, creditLineCodec } from "../ledger/creditline/creditline.events.ts";
import { outstandingMinor } from "../ledger/creditline/creditline.state.ts";
import { creditLineStream, productLine } from "../ledger/creditline/creditline.stream.ts";
import type { Caller } from "../ledger/decider.ts";
import { commandHandler } from "../platform/command-handler.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import { streamEvents } from "../platform/eventstore/stream-events.ts";

export interface RepaymentServiceOptions {
  readonly store: EventStore;
  /** Read-your-writes: resolves when projections have reached the position (bounded). */
  readonly waitForProjections: (position: string) => Promise<boolean>;
  readonly now: () => Date;
}

export interface RepaymentInput {
  /** Idempotency: the same id again is the same repayment (the credit line decider records it once). */
  readonly repaymentId: string;
  /** Whose line: a Kredivo buyer's (VND) or a Kredmint partner user's (INR); amountMinor is in its currency. */
  readonly product: CreditProduct;
  readonly userId: string;
  readonly amountMinor: bigint;
  readonly bankReference: string;
  /** ISO 8601; default: now. */
  readonly receivedAt: string | undefined;
}

export type RepaymentApplied = EventData<CreditLineEvent, "RepaymentApplied">;

/** The user has no open credit line with the product: nobody to repay for. */
export class UnknownCreditLine extends Error {
  override name = "UnknownCreditLine";
  readonly userId: string;
  constructor(product: CreditProduct, userId: string) {
    super(`no ${product} credit line for user ${userId}`);
    this.userId = userId;
  }
}

export type RepaymentService = ReturnType<typeof repaymentService>;

/**
 * A user's repayment, recorded by an operator against the user's line with the product: the credit line's Repay (rules in creditline.decider.ts:
 * repayment_amount_must_be_positive, repayment_must_not_exceed_outstanding; idempotent by repayment id).
 * Rejections propagate as they are for the route to answer; nothing is appended then.
 */
export function repaymentService(options: RepaymentServiceOptions) {
  const creditLines = commandHandler(options.store, creditLineDecider, creditLineCodec);

  /** A repayment id already applied: the event that applied it, read back from the stream. */
  async function appliedBefore(streamId: string, repaymentId: string): Promise<RepaymentApplied> {
    for await (const envelope of streamEvents(options.store, streamId)) {
      const event = creditLineCodec.decode(envelope);
      if (event.type === "RepaymentApplied" && event.data.repaymentId === repaymentId) return event.data;
    }
    throw new Error(`repayment ${repaymentId} is not in ${streamId}`);
  }

  return {
    async repay(
      input: RepaymentInput,
      caller: Caller,
    ): Promise<{ applied: RepaymentApplied; outstandingMinor: bigint }> {
      const streamId = creditLineStream(productLine(input.product, input.userId));
      const { state } = await creditLines.load(streamId);
      if (!state.open) throw new UnknownCreditLine(input.product, input.userId);
      const now = options.now().toISOString();
      const handled = await creditLines.handle(
        streamId,
        {
          type: "Repay",
          repaymentId: input.repaymentId,
          amountMinor: input.amountMinor,
          bankReference: input.bankReference,
          receivedAt: input.receivedAt ?? now,
        },
        { now, tenantId: input.product, ...caller },
      );
      if (handled.position !== undefined) await options.waitForProjections(handled.position);
      const event = handled.events.find(
        (e): e is Extract<CreditLineEvent, { type: "RepaymentApplied" }> => e.type === "RepaymentApplied",
      );
      const applied = event?.data ?? (await appliedBefore(streamId, input.repaymentId));
      return { applied, outstandingMinor: outstandingMinor(handled.state) };
    },
  };
}
