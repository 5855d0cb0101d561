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
};

export type CreditLineEvent = DomainEvents<typeof creditLineEvents>;
export const creditLineCodec = eventCodec(creditLineEvents);
