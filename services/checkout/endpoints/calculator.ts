import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import {
  type CalculatorBreakdown,
  calculatorRequestExample,
  calculatorRequestSchema,
  calculatorResponseExample,
  calculatorSuccessResponseSchema,
} from "../../../contracts/checkout/calculator.ts";
import { STATUS_SUCCESS } from "../../../contracts/checkout/common.ts";
import { CHECKOUT_ROUTES } from "../../../contracts/checkout/routes.ts";
import { type LoanTerms, PROCESSING_FEE_BPS } from "../../ledger/loan/loan-terms.ts";
import type { CheckoutService } from "../checkout-service.ts";
import { KredivoBadRequest } from "../error-contract.ts";
import { faults, outcome, TAG } from "./shared.ts";

const MAX_JSON_INTEGER = BigInt(Number.MAX_SAFE_INTEGER);

/** An integer VND amount as the JSON integer the calculator answers with (exact up to 2^53 − 1). */
function jsonInteger(minor: bigint): number {
  if (minor > MAX_JSON_INTEGER) throw new KredivoBadRequest("amount: too_large");
  return Number(minor);
}

/**
 * A rate in basis points as the seed's percent text: the percent in Java `Double.toString` style, as the
 * seed's "1.0%" (100 bps → "1.0%", 295 → "2.95%", 300 → "3.0%"), except a zero rate, which the seed
 * writes "0%".
 */
function percentText(bps: number): string {
  if (bps === 0) return "0%";
  const whole = Math.trunc(bps / 100);
  const fraction = String(bps % 100)
    .padStart(2, "0")
    .replace(/0+$/, "");
  return `${whole}.${fraction || "0"}%`;
}

/**
 * One tenure's breakdown from loanTerms (services/ledger/loan/loan-terms.ts), integers in VND:
 * interest = amount × monthly rate × tenure and processing fee = 1 % of the amount, each rounded half up
 * to the dong; total = amount + interest; payback = total + processing fee; monthly instalment = total ÷
 * tenure rounded up (the last instalment absorbs the excess). interest_rate is the monthly rate.
 */
function calculatorBreakdown(terms: LoanTerms): CalculatorBreakdown {
  return {
    interest_rate: percentText(terms.interestRateBps),
    interest_amount: jsonInteger(terms.interestMinor),
    monthly_installment: jsonInteger(terms.monthlyInstallmentMinor),
    processing_fee: jsonInteger(terms.processingFeeMinor),
    processing_fee_rate: percentText(PROCESSING_FEE_BPS),
    initial_amount: jsonInteger(terms.amountMinor),
    total_amount: jsonInteger(terms.totalMinor),
    payback_amount: jsonInteger(terms.paybackMinor),
  };
}

/**
 * The body in the seed's key order, `{"status":1,"message":"Success","<tenure>":{…}}`: a JS object lists an
 * integer-like key such as "1" before every other key, so JSON.stringify alone would put the breakdown first.
 */
function seedOrderedJson(payload: unknown): string {
  if (payload === null || typeof payload !== "object") return JSON.stringify(payload);
  const entries = Object.entries(payload);
  const head = entries.filter(([key]) => key === "status" || key === "message");
  const rest = entries.filter(([key]) => key !== "status" && key !== "message");
  return `{${[...head, ...rest].map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(",")}}`;
}

/** loan/calculator: a loan's terms, as the hosted page and the settlement price it. */
export function calculatorRoute(app: FastifyInstance, checkout: CheckoutService): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    CHECKOUT_ROUTES.calculator,
    {
      schema: {
        tags: [TAG],
        operationId: "loanCalculator",
        summary: "Kredivo Loan Calculator",
        description:
          "The breakdown of the tenure asked, under the tenure as key. Integers in VND: interest = amount × " +
          "monthly rate (INTEREST_RATES_BPS) × tenure and processing fee = 1 % of the amount, each rounded " +
          "half up; total = amount + interest; payback = total + processing fee; monthly instalment = total " +
          "÷ tenure rounded up. The same calculation prices the hosted page and the settlement. Unknown " +
          "server_key: 2012; tenures 3, 6 and 12 under 700,000 VND: 1002.",
        body: calculatorRequestSchema.meta({
          "x-examples": { seed: { summary: "The seed's request", value: calculatorRequestExample } },
        }),
        response: {
          200: outcome(calculatorSuccessResponseSchema).meta({ examples: [calculatorResponseExample] }),
          ...faults,
        },
      },
    },
    async (request, reply) => {
      const terms = await checkout.loanCalculator(request.body);
      const body = calculatorSuccessResponseSchema.parse({
        status: STATUS_SUCCESS,
        message: "Success",
        [String(terms.tenure)]: calculatorBreakdown(terms),
      });
      return reply.type("application/json; charset=utf-8").serializer(seedOrderedJson).send(body);
    },
  );
}
