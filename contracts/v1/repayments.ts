import { z } from "zod";
import { CREDIT_PRODUCTS, type CreditProduct, PRODUCT_CURRENCIES } from "../credit-products.ts";
import { parseMoney } from "../money.ts";
import { v1Field } from "./bounds.ts";

// POST /v1/repayments (operator): a user's repayment received in our bank account, recorded against the
// user's credit line with a product: a Kredivo buyer's VND line (applied oldest loan first, within an
// installment fee → interest → principal) or a Kredmint partner user's INR line (oldest drawdown first).
// Amounts are decimal strings in the line's currency (VND: no minor digits, INR: up to 2), parsed exactly by
// contracts/money.ts.

/** Which line a repayment is for; absent: kredivo, the only product before there were two. */
export const repaymentProductSchema = z
  .enum(CREDIT_PRODUCTS)
  .optional()
  .describe(
    "kredivo (default): the buyer's instalment line in VND; kredmint: the partner user's line in INR",
  );

/** The product a request names, kredivo when it names none. */
export const repaymentProduct = (product: CreditProduct | undefined): CreditProduct => product ?? "kredivo";

/**
 * A positive amount as a decimal string in the line's currency; JSON numbers are refused (they pass through a
 * double). It stays a string after validation (the body is fingerprinted as JSON for Idempotency-Key): read it
 * with repaymentAmountMinor. The currency comes from `product`, so the body checks it (repaymentAmountRule).
 */
const decimalString = z.string({
  error: (iss) => (iss.input === undefined ? "required" : "amount_must_be_a_decimal_string"),
});

/** Why an amount is refused for a product's currency, or undefined when it is a positive amount in it. */
function repaymentAmountRule(amount: string, product: CreditProduct): string | undefined {
  const parsed = parseMoney(amount, PRODUCT_CURRENCIES[product]);
  if (!parsed.ok) return parsed.rule;
  return parsed.value.amountMinor <= 0n ? "amount_must_be_positive" : undefined;
}

/** The validated `amount` in the product's minor units (VND has none, so dong; INR paise). */
export function repaymentAmountMinor(amount: string, product: CreditProduct): bigint {
  const parsed = parseMoney(amount, PRODUCT_CURRENCIES[product]);
  if (!parsed.ok) throw new TypeError(`amount ${amount} was not validated: ${parsed.rule}`);
  return parsed.value.amountMinor;
}

export const repaymentRequestSchema = z
  .strictObject({
    userId: v1Field("userId").describe("the buyer (kredivo) or partner user (kredmint) whose line is repaid"),
    product: repaymentProductSchema,
    amount: decimalString.describe(
      'what the user paid, a decimal string in the line\'s currency: "1000000" (VND), "1000.50" (INR)',
    ),
    bankReference: v1Field("bankReference").describe("the bank transfer's reference (UTR)"),
    receivedAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe("when the money reached our account (ISO 8601); default: when recorded"),
  })
  .superRefine(({ amount, product }, ctx) => {
    const rule = repaymentAmountRule(amount, repaymentProduct(product));
    if (rule) ctx.addIssue({ code: "custom", path: ["amount"], message: rule });
  })
  .meta({
    examples: [
      { userId: "sandbox-buyer", amount: "1000000", bankReference: "UTR-20260101-0001" },
      { userId: "USR-2225", product: "kredmint", amount: "1000.50", bankReference: "UTR-20260101-0002" },
    ],
  });
export type RepaymentRequest = z.output<typeof repaymentRequestSchema>;

const decimal = z.string().regex(/^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$/);

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
  product: z.enum(CREDIT_PRODUCTS),
  currency: z.enum(["VND", "INR"]),
  amount: decimal,
  bankReference: z.string(),
  receivedAt: z.string(),
  /** Per loan and installment, oldest first: what this repayment paid of principal, interest and fee. */
  allocations: z.array(repaymentAllocationSchema),
  /** What the user still owes across every loan or drawdown of the line, after this repayment. */
  outstanding: decimal,
});
export type RepaymentResponse = z.output<typeof repaymentResponseSchema>;
