import { z } from "zod";
import {
  anyString,
  FIELD_MAX_CHARS,
  integerVnd,
  positiveVndAmount,
  requiredString,
  STATUS_SUCCESS,
  TENURES,
  tenureField,
  typeError,
} from "./common.ts";
import { checkoutErrorBodySchema } from "./errors.ts";

// POST /loan/calculator ("Kredivo Loan Calculator"): the instalment breakdown for an amount and tenure.
// amount is typed Integer here (Double elsewhere); as a VND amount both parse the same (no minor digits).

export const calculatorRequestSchema = z.object(
  {
    tenure: tenureField(),
    amount: positiveVndAmount(),
    source: z.literal("ecom", {
      error: (iss) => (iss.input === undefined ? "required" : "must_be_one_of:ecom"),
    }),
    server_key: requiredString(FIELD_MAX_CHARS.key),
  },
  { error: typeError("object") },
);
export type CalculatorRequest = z.output<typeof calculatorRequestSchema>;

const percentText = z.string().regex(/^(0|[1-9][0-9]*)(\.[0-9]+)?%$/, { error: "expected_percent_text" });

/** One tenure's breakdown; money fields are integer VND JSON numbers, rates "0%" / "1.0%" strings. */
export const calculatorBreakdownSchema = z.strictObject({
  interest_rate: percentText,
  interest_amount: integerVnd,
  monthly_installment: integerVnd,
  processing_fee: integerVnd,
  processing_fee_rate: percentText,
  initial_amount: integerVnd,
  total_amount: integerVnd,
  payback_amount: integerVnd,
});
export type CalculatorBreakdown = z.output<typeof calculatorBreakdownSchema>;

const TENURE_KEYS: readonly string[] = TENURES.map(String);

/**
 * `{"status": 1, "message": "Success", "<tenure>": {breakdown}}`: the breakdown sits under the tenure as a
 * string key ("1"), next to status and message. Every extra key must be a tenure and there must be one.
 */
export const calculatorSuccessResponseSchema = z
  .object({ status: z.literal(STATUS_SUCCESS), message: anyString() })
  .catchall(calculatorBreakdownSchema)
  .superRefine((body, ctx) => {
    const keys = Object.keys(body).filter((k) => k !== "status" && k !== "message");
    for (const key of keys) {
      if (!TENURE_KEYS.includes(key))
        ctx.addIssue({ code: "custom", path: [key], message: "unknown_tenure_key" });
    }
    if (keys.length === 0) ctx.addIssue({ code: "custom", path: [], message: "missing_tenure_breakdown" });
  });

export const calculatorResponseSchema = z.union([calculatorSuccessResponseSchema, checkoutErrorBodySchema]);

// --------------------------------------------------------------------------------------- seed examples

export const calculatorRequestExample = {
  tenure: 1,
  amount: 1000000,
  source: "ecom",
  server_key: "kredivovietnamECOM123",
} satisfies z.input<typeof calculatorRequestSchema>;

export const calculatorResponseExample = {
  status: 1,
  message: "Success",
  "1": {
    interest_rate: "0%",
    interest_amount: 0,
    monthly_installment: 1000000,
    processing_fee: 10000,
    processing_fee_rate: "1.0%",
    initial_amount: 1000000,
    total_amount: 1000000,
    payback_amount: 1010000,
  },
};
