import { z } from "zod";
import { parseMoney } from "../money.ts";
import { v1Field } from "./bounds.ts";

// POST /v1/repayments (operator): a buyer's repayment received in our bank account, recorded against the
// buyer's credit line and applied oldest loan first, within an installment fee → interest → principal.
// Amounts are decimal strings in VND (no minor digits), parsed exactly by contracts/money.ts.

const VND_DECIMAL = 'a decimal string in VND, e.g. "1000000"';

/**
 * A positive VND amount as a decimal string; JSON numbers are refused (they pass through a double). It stays
 * a string after validation (the body is fingerprinted as JSON for Idempotency-Key): read it with
 * repaymentAmountMinor.
 */
const positiveVndDecimal = z
  .string({
    error: (iss) => (iss.input === undefined ? "required" : "amount_must_be_a_decimal_string"),
  })
  .superRefine((text, ctx) => {
    const parsed = parseMoney(text, "VND");
    if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.rule });
    else if (parsed.value.amountMinor <= 0n)
      ctx.addIssue({ code: "custom", message: "amount_must_be_positive" });
  });

/** The validated `amount` in minor units (VND has none, so dong). */
export function repaymentAmountMinor(amount: string): bigint {
  const parsed = parseMoney(amount, "VND");
  if (!parsed.ok) throw new TypeError(`amount ${amount} was not validated: ${parsed.rule}`);
  return parsed.value.amountMinor;
}

export const repaymentRequestSchema = z
  .strictObject({
    userId: v1Field("userId").describe("the buyer whose credit line is repaid"),
    amount: positiveVndDecimal.describe(`what the buyer paid, ${VND_DECIMAL}`),
    bankReference: v1Field("bankReference").describe("the bank transfer's reference (UTR)"),
    receivedAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe("when the money reached our account (ISO 8601); default: when recorded"),
  })
  .meta({
    examples: [{ userId: "sandbox-buyer", amount: "1000000", bankReference: "UTR-20260101-0001" }],
  });
export type RepaymentRequest = z.output<typeof repaymentRequestSchema>;

const decimal = z.string().regex(/^(0|[1-9][0-9]*)$/);

export const repaymentAllocationSchema = z.object({
  transactionId: z.string(),
  installment: z.number().int().min(1),
  principal: decimal,
  interest: decimal,
  fee: decimal,
});

export const repaymentResponseSchema = z.object({
  repaymentId: z.string(),
  userId: z.string(),
  currency: z.literal("VND"),
  amount: decimal,
  bankReference: z.string(),
  receivedAt: z.string(),
  /** Per loan and installment, oldest first: what this repayment paid of principal, interest and fee. */
  allocations: z.array(repaymentAllocationSchema),
  /** What the buyer still owes across every loan, after this repayment. */
  outstanding: decimal,
});
export type RepaymentResponse = z.output<typeof repaymentResponseSchema>;
