import { z } from "zod";
import { v1Id } from "./bounds.ts";
import { reasonSchema } from "./merchants.ts";

// /v1/credit-lines/{product}/{userId}/limit (role admin): a buyer's credit limit set, raised or lowered as an
// event (CreditLimitSet) with the admin's key as actor and a reason; the limit history is a read model.
// Amounts are decimal strings in the line's currency: VND for kredivo (no decimals), INR for kredmint (2);
// the route parses them exactly for the product's currency.

const decimal = z
  .string()
  .regex(/^[0-9]{1,18}(\.[0-9]{1,2})?$/, "must_be_a_decimal_string")
  .describe('a decimal string in the line\'s currency, e.g. "50000000" (VND) or "250000.00" (INR)');

export const creditLineParamsSchema = z.strictObject({
  product: z
    .enum(["kredivo", "kredmint"])
    .describe("kredivo: instalment line in VND; kredmint: revolving in INR"),
  userId: v1Id("userId").describe("the buyer (kredivo) or partner user (kredmint)"),
});

export const setCreditLimitSchema = z.strictObject({
  limit: decimal.describe("the line's total limit"),
  /** kredivo only: each offered tenure's cap (at most the total); absent: every tenure at the total. */
  perTenure: z
    // The keys are TENURES (contracts/checkout/common.ts) as the JSON object keys they must be.
    .partialRecord(z.enum(["1", "3", "6", "12"]), decimal)
    .optional()
    .describe(
      'kredivo only: tenure (months) → cap, e.g. {"1": "5000000", "3": "5000000"}; a tenure left out is not offered',
    ),
  reason: reasonSchema,
});
export type SetCreditLimitBody = z.infer<typeof setCreditLimitSchema>;

const limitChange = z.strictObject({
  at: z.string().describe("when the limit was recorded (ISO 8601)"),
  actor: z.string().describe("who changed it: admin:key-<id>, or system:… for seeds and decisions"),
  reason: z.string(),
  change: z.enum(["set", "raised", "lowered", "unchanged"]),
  limit: z.string(),
  previousLimit: z.string().nullable(),
  perTenure: z.record(z.string(), z.string()).nullable(),
});

export const creditLimitSchema = z.strictObject({
  product: z.enum(["kredivo", "kredmint"]),
  userId: z.string(),
  currency: z.enum(["VND", "INR"]),
  limit: z.string(),
  perTenure: z.record(z.string(), z.string()).nullable(),
});

export const limitHistorySchema = z.strictObject({
  product: z.enum(["kredivo", "kredmint"]),
  userId: z.string(),
  currency: z.enum(["VND", "INR"]),
  changes: z.array(limitChange).describe("oldest first"),
});
export type LimitHistory = z.infer<typeof limitHistorySchema>;
