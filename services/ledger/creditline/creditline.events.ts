import { z } from "zod";
import { TENURES, type Tenure } from "../../../contracts/checkout/common.ts";
import { CREDIT_PRODUCTS, type CreditProduct } from "../../../contracts/credit-products.ts";
import { type DomainEvents, eventCodec, minorUnits } from "../../../contracts/event-codec.ts";
import { currencies } from "../../../contracts/money.ts";

export type { Tenure };
/** The products that lend from a credit line: the Checkout API (seed 001) and the Partner API (seed 000). */
export { CREDIT_PRODUCTS, type CreditProduct };

/**
 * How a line lends: `instalment` (Kredivo) in tenures, each with its own cap, every capture a loan with a
 * schedule; `revolving` (Kredmint's invoice financing) within one total limit, every capture a drawdown.
 */
export type LineKind = "instalment" | "revolving";

const tenure = z.literal(TENURES);
const currency = z.literal(currencies);
const product = z.literal(CREDIT_PRODUCTS);

const limitSetBase = z.object({
  product,
  userId: z.string(),
  currency,
  totalMinor: minorUnits,
  setBy: z.string(),
  reason: z.string(),
});

/** A hold, named by the checkout transaction (Kredivo) or the disbursal (Kredmint) that spends the credit. */
const holdData = z.object({
  transactionId: z.string(),
  amountMinor: minorUnits,
  /** The tenure chosen on an instalment line; a revolving line's holds have none. */
  tenure: tenure.optional(),
});

const refundSplit = z.object({ principalMinor: minorUnits, interestMinor: minorUnits, feeMinor: minorUnits });
const loanCancelledData = z.object({
  transactionId: z.string(),
  cancellationId: z.string(),
  principalMinor: minorUnits,
  interestMinor: minorUnits,
  feeMinor: minorUnits,
  refundDue: refundSplit,
});

/** A Kredivo VND line's limit before v2 named its product, currency and kind. */
const limitSetV1 = (stored: unknown) => ({
  ...z.record(z.string(), z.unknown()).parse(stored),
  product: "kredivo",
  kind: "instalment",
});

/** v1 hold events always carried a tenure, so they already are v2 events. */
const holdV1 = (stored: unknown) => stored;

const loanCancelledV1Data = loanCancelledData
  .omit({ refundDue: true })
  .extend({ refundDueMinor: minorUnits });

/**
 * v1 knew only the total refund; its split is recovered from the event alone (an upcaster sees no history),
 * deterministically: the total goes to principal first, then interest, then the fee, each up to that
 * component's cancelled amount. That is how v1's journal entry posted it (the whole refund to
 * customer-receivable), so an existing journal rebuilds unchanged whenever the refund was within the
 * cancelled principal, and no component is ever refunded beyond what it cancelled.
 */
function loanCancelledV1(stored: unknown): unknown {
  const { refundDueMinor, ...cancelled } = loanCancelledV1Data.parse(stored);
  let left = refundDueMinor;
  const take = (cancelledMinor: bigint) => {
    const taken = left < cancelledMinor ? left : cancelledMinor;
    left -= taken;
    return taken;
  };
  const refundDue = {
    principalMinor: take(cancelled.principalMinor),
    interestMinor: take(cancelled.interestMinor),
    feeMinor: take(cancelled.feeMinor),
  };
  return z.encode(loanCancelledData, { ...cancelled, refundDue });
}

/**
 * A credit line is one buyer's credit with one product in one currency: the consistency boundary for money a
 * user may spend (DESIGN.md). Its stream id is in creditline.stream.ts.
 */
export const creditLineEvents = {
  /** v2: the line's product, currency and kind (v1 was always a Kredivo VND instalment line). */
  CreditLimitSet: {
    schemaVersion: 2,
    data: z.discriminatedUnion("kind", [
      limitSetBase.extend({
        kind: z.literal("instalment"),
        /** Each tenure's own cap; a tenure not listed is not offered to this user. */
        perTenureMinor: z.array(z.object({ tenure, limitMinor: minorUnits })),
      }),
      limitSetBase.extend({ kind: z.literal("revolving") }),
    ]),
    upcast: { 1: limitSetV1 },
  },
  /** v2: the tenure is absent on a revolving line (v1 always carried one). */
  CreditHeld: { schemaVersion: 2, data: holdData, upcast: { 1: holdV1 } },
  CreditHoldCaptured: { schemaVersion: 2, data: holdData, upcast: { 1: holdV1 } },
  CreditHoldReleased: {
    schemaVersion: 2,
    data: holdData.extend({ reason: z.string() }),
    upcast: { 1: holdV1 },
  },
  /** An instalment line's captured hold becomes a loan with its schedule (installments oldest first). */
  LoanOpened: {
    schemaVersion: 1,
    data: z.object({
      transactionId: z.string(),
      merchantId: z.string(),
      tenure,
      openedAt: z.string(),
      principalMinor: minorUnits,
      interestMinor: minorUnits,
      processingFeeMinor: minorUnits,
      installments: z.array(
        z.object({
          number: z.number().int().min(1),
          dueDate: z.string(),
          principalMinor: minorUnits,
          interestMinor: minorUnits,
          feeMinor: minorUnits,
        }),
      ),
    }),
  },
  /**
   * A revolving line's captured hold becomes a drawdown: the principal is owed from `openedAt`, with no
   * schedule, and repayments take the oldest drawdown first.
   */
  DrawdownOpened: {
    schemaVersion: 1,
    data: z.object({ transactionId: z.string(), openedAt: z.string(), principalMinor: minorUnits }),
  },
  /**
   * A repayment from the buyer, applied oldest installment first: fee, then interest, then principal. A
   * drawdown is repaid as its installment 1.
   */
  RepaymentApplied: {
    schemaVersion: 1,
    data: z.object({
      repaymentId: z.string(),
      receivedAt: z.string(),
      amountMinor: minorUnits,
      bankReference: z.string(),
      allocations: z.array(
        z.object({
          transactionId: z.string(),
          installment: z.number().int().min(1),
          principalMinor: minorUnits,
          interestMinor: minorUnits,
          feeMinor: minorUnits,
        }),
      ),
    }),
  },
  /**
   * A merchant cancellation takes back part of a loan, latest installments first; the principal is restored.
   * v2: `refundDue` is what the buyer had already repaid of the cancelled part, owed back to the buyer, per
   * component (v1 carried only its total, `refundDueMinor`).
   */
  LoanCancelled: { schemaVersion: 2, data: loanCancelledData, upcast: { 1: loanCancelledV1 } },
};

export type CreditLineEvent = DomainEvents<typeof creditLineEvents>;

export const creditLineCodec = eventCodec(creditLineEvents);
