import { z } from "zod";
import { type DomainEvents, eventCodec, minorUnits } from "../../../contracts/event-codec.ts";

const tenure = z.union([z.literal(1), z.literal(3), z.literal(6), z.literal(12)]);
export type Tenure = z.infer<typeof tenure>;

/** `creditline-<userId>`: the consistency boundary for money a user may spend (DESIGN.md). */
export const creditLineEvents = {
  CreditLimitSet: {
    schemaVersion: 1,
    data: z.object({
      userId: z.string(),
      currency: z.literal("VND"),
      totalMinor: minorUnits,
      /** Each tenure's own cap; a tenure not listed is not offered to this user. */
      perTenureMinor: z.array(z.object({ tenure, limitMinor: minorUnits })),
      setBy: z.string(),
      reason: z.string(),
    }),
  },
  CreditHeld: {
    schemaVersion: 1,
    data: z.object({ transactionId: z.string(), amountMinor: minorUnits, tenure }),
  },
  CreditHoldCaptured: {
    schemaVersion: 1,
    data: z.object({ transactionId: z.string(), amountMinor: minorUnits, tenure }),
  },
  CreditHoldReleased: {
    schemaVersion: 1,
    data: z.object({ transactionId: z.string(), amountMinor: minorUnits, tenure, reason: z.string() }),
  },
  /** The settled checkout becomes a loan with its schedule (installments oldest first). */
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
  /** A repayment from the buyer, applied oldest installment first: fee, then interest, then principal. */
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
  /** A merchant cancellation takes back part of a loan, latest installments first; the principal is restored. */
  LoanCancelled: {
    schemaVersion: 1,
    data: z.object({
      transactionId: z.string(),
      cancellationId: z.string(),
      principalMinor: minorUnits,
      interestMinor: minorUnits,
      feeMinor: minorUnits,
      /** What the buyer had already repaid of the cancelled part: owed back to the buyer. */
      refundDueMinor: minorUnits,
    }),
  },
};

export type CreditLineEvent = DomainEvents<typeof creditLineEvents>;
export const creditLineCodec = eventCodec(creditLineEvents);
