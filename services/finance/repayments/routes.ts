import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { v5 as uuidv5 } from "uuid";
import { z } from "zod";
import { type CreditProduct, PRODUCT_CURRENCIES } from "../../../contracts/credit-products.ts";
import { type Currency, money, renderDecimal } from "../../../contracts/money.ts";
import {
  type RepaymentResponse,
  repaymentAmountMinor,
  repaymentProduct,
  repaymentRequestSchema,
  repaymentResponseSchema,
} from "../../../contracts/v1/repayments.ts";
import {
  type RepaymentApplied,
  type RepaymentService,
  UnknownCreditLine,
} from "../../credit/repayment-service.ts";
import { type ApiKey, apiKeys } from "../../http/api-keys.ts";
import { idempotencyKeys } from "../../http/idempotency.ts";
import type { Claim } from "../../http/idempotency-claims.ts";
import { type ProblemFields, sendProblem, useProblemErrors } from "../../http/problem-details.ts";
import type { V1ErrorCode } from "../../http/v1-errors.ts";
import { CreditLineRejection, type RepayRule } from "../../ledger/creditline/creditline.rules.ts";
import { canNameCreditLine, productLine } from "../../ledger/creditline/creditline.stream.ts";
import { invariant } from "../../ledger/decider.ts";
import type { ReadStore } from "../../platform/readstore/port.ts";

export interface RepaymentRoutesOptions {
  readonly repayments: RepaymentService;
  /** Where the Idempotency-Key table lives. */
  readonly readStore: ReadStore;
  readonly apiKeys: readonly ApiKey[];
  /** IDEMPOTENCY_LEASE_MS (default: the plugin's). */
  readonly leaseMs?: number;
}

/** Repayment ids are derived from (API key scope, Idempotency-Key): a retried request is the same repayment. */
const REPAYMENT_NAMESPACE = "0b6f5d1e-3c2a-4f7e-9d8c-5a4b3c2d1e0f";

const inCurrency = (currency: Currency) => (minor: bigint) => renderDecimal(money(minor, currency));

/** What a refused repayment's problem names: the user, the line's product and the amount asked for. */
interface RepaymentRequested {
  readonly userId: string;
  readonly product: CreditProduct;
  readonly amount: string;
}

type RepaymentProblem = ProblemFields & { code: V1ErrorCode };

/** The credit line's Repay rules (CREDIT_LINE_RULES.Repay) as problems, in the decider's precedence order. */
const REPAY_PROBLEMS: Record<
  RepayRule,
  (rejection: CreditLineRejection, request: RepaymentRequested) => RepaymentProblem
> = {
  // The body's schema refuses a non-positive amount before the decider sees it, in the same words.
  repayment_amount_must_be_positive: () => ({
    code: "invalid_parameter",
    detail: "amount: amount_must_be_positive",
    param: "amount",
  }),
  repayment_must_not_exceed_outstanding: (rejection, { userId, product, amount }) => {
    const { outstandingMinor } = rejection.detail;
    invariant(typeof outstandingMinor === "bigint", "the rule carries what the buyer owes");
    const currency = PRODUCT_CURRENCIES[product];
    const outstanding = inCurrency(currency)(outstandingMinor);
    return {
      code: "repayment_must_not_exceed_outstanding",
      detail: `the repayment of ${amount} ${currency} is more than user ${userId} owes: ${outstanding} ${currency}`,
      param: "amount",
      extensions: { outstanding },
    };
  },
};

const isRepayRule = (rule: string): rule is RepayRule => Object.hasOwn(REPAY_PROBLEMS, rule);

/** The problem a refused repayment answers; undefined for a fault of ours, which stays a 5xx. */
const LINE_OPENED_BY: Record<CreditProduct, string> = {
  kredivo: "a buyer's first approved checkout opens one",
  kredmint: "a partner user's approval opens one",
};

function noCreditLine(userId: string, product: CreditProduct) {
  return {
    detail: `user ${userId} has no ${product} credit line: ${LINE_OPENED_BY[product]}`,
    param: "userId",
  };
}

function repaymentProblem(error: unknown, request: RepaymentRequested): RepaymentProblem | undefined {
  if (error instanceof UnknownCreditLine)
    return { code: "credit_line_not_found", ...noCreditLine(request.userId, request.product) };
  if (error instanceof CreditLineRejection && isRepayRule(error.rule)) {
    return REPAY_PROBLEMS[error.rule](error, request);
  }
  return undefined;
}

/** The same on every attempt under one Idempotency-Key, so the credit line records the repayment once. */
function repaymentIdOf(claim: Claim | undefined): string {
  // The route refuses a request without an Idempotency-Key before it runs, so a claim is always there.
  invariant(claim !== undefined, "a repayment runs only under a claimed Idempotency-Key");
  return uuidv5(`${claim.scope}\n${claim.key}`, REPAYMENT_NAMESPACE);
}

function toResponse(
  { userId, product }: RepaymentRequested,
  applied: RepaymentApplied,
  outstandingMinor: bigint,
): RepaymentResponse {
  const currency = PRODUCT_CURRENCIES[product];
  const amount = inCurrency(currency);
  return {
    repaymentId: applied.repaymentId,
    userId,
    product,
    currency,
    amount: amount(applied.amountMinor),
    bankReference: applied.bankReference,
    receivedAt: applied.receivedAt,
    allocations: applied.allocations.map((a) => ({
      transactionId: a.transactionId,
      installment: a.installment,
      principal: amount(a.principalMinor),
      interest: amount(a.interestMinor),
      fee: amount(a.feeMinor),
    })),
    outstanding: amount(outstandingMinor),
  };
}

function callerOf(request: FastifyRequest) {
  return { actor: "operator", correlationId: request.correlationId, causationId: request.id };
}

/**
 * `POST /v1/repayments` (mount under /v1): an operator records a user's repayment on the line with the
 * body's `product` (kredivo by default, VND; kredmint, INR). API key with the `operator` role (checked
 * first, 401/403), then the body (400 naming the field; the amount in the product's currency), then
 * Idempotency-Key (400 missing, 422 reused with another body, 409 while the first runs, replayed
 * afterwards). 201 with the allocations; 404 when the user has no line with the product; 409 when the
 * amount is more than the user owes, with the outstanding amount. A refused request appends nothing.
 */
export async function repaymentRoutes(app: FastifyInstance, options: RepaymentRoutesOptions): Promise<void> {
  await app.register(apiKeys, { apiKeys: options.apiKeys });
  await app.register(idempotencyKeys, { readStore: options.readStore, leaseMs: options.leaseMs });
  useProblemErrors(app, "repayment");

  const typed = app.withTypeProvider<ZodTypeProvider>();
  const { repayments } = options;

  typed.post(
    "/repayments",
    {
      onRequest: app.requireRole("operator"),
      config: {
        idempotent: true,
        problems: [
          "credit_line_not_found",
          {
            code: "repayment_must_not_exceed_outstanding",
            extension: {
              outstanding: z
                .string()
                .describe("what the user owes now, a decimal string in the line's currency"),
            },
          },
        ],
      },
      schema: {
        tags: ["money"],
        operationId: "recordRepayment",
        summary: "Record a buyer's or partner user's repayment against their credit line",
        description:
          "Applies the amount to the user's line with the product (kredivo by default, in VND; kredmint in " +
          "INR): oldest loan or drawdown first and within an installment processing fee, then interest, then " +
          "principal; the principal repaid is credit the user may spend again. A Kredmint drawdown repaid in " +
          "full completes its disbursal. " +
          "Needs an Idempotency-Key: the same key and body answer the stored response without recording " +
          "the repayment twice.",
        body: repaymentRequestSchema,
        response: { 201: repaymentResponseSchema },
      },
    },
    async (request, reply) => {
      const { userId, amount, bankReference, receivedAt } = request.body;
      const product = repaymentProduct(request.body.product);
      const requested = { userId, product, amount };
      // An id no credit line can have names none: not found, before the store is touched.
      if (!canNameCreditLine(productLine(product, userId)))
        return sendProblem(request, reply, "credit_line_not_found", noCreditLine(userId, product));
      const repaymentId = repaymentIdOf(request.idempotency);
      const amountMinor = repaymentAmountMinor(amount, product);
      try {
        const { applied, outstandingMinor } = await repayments.repay(
          { repaymentId, product, userId, amountMinor, bankReference, receivedAt },
          callerOf(request),
        );
        return reply.code(201).send(toResponse(requested, applied, outstandingMinor));
      } catch (error) {
        const problem = repaymentProblem(error, requested);
        if (!problem) throw error;
        const { code, ...fields } = problem;
        return sendProblem(request, reply, code, fields);
      }
    },
  );
}
