import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { v5 as uuidv5 } from "uuid";
import { z } from "zod";
import { money, renderDecimal } from "../../../contracts/money.ts";
import {
  type RepaymentResponse,
  repaymentAmountMinor,
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
import { isKredivoUserId } from "../../ledger/creditline/creditline.stream.ts";
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

const vnd = (minor: bigint) => renderDecimal(money(minor, "VND"));

/** What a refused repayment's problem names: the buyer and the amount asked for. */
interface RepaymentRequested {
  readonly userId: string;
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
  repayment_must_not_exceed_outstanding: (rejection, { userId, amount }) => {
    const { outstandingMinor } = rejection.detail;
    invariant(typeof outstandingMinor === "bigint", "the rule carries what the buyer owes");
    const outstanding = vnd(outstandingMinor);
    return {
      code: "repayment_must_not_exceed_outstanding",
      detail: `the repayment of ${amount} VND is more than user ${userId} owes: ${outstanding} VND`,
      param: "amount",
      extensions: { outstanding },
    };
  },
};

const isRepayRule = (rule: string): rule is RepayRule => Object.hasOwn(REPAY_PROBLEMS, rule);

/** The problem a refused repayment answers; undefined for a fault of ours, which stays a 5xx. */
function noCreditLine(userId: string) {
  return {
    detail: `user ${userId} has no credit line: a buyer's first approved checkout opens one`,
    param: "userId",
  };
}

function repaymentProblem(error: unknown, request: RepaymentRequested): RepaymentProblem | undefined {
  if (error instanceof UnknownCreditLine)
    return { code: "credit_line_not_found", ...noCreditLine(request.userId) };
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

function toResponse(userId: string, applied: RepaymentApplied, outstandingMinor: bigint): RepaymentResponse {
  return {
    repaymentId: applied.repaymentId,
    userId,
    currency: "VND",
    amount: vnd(applied.amountMinor),
    bankReference: applied.bankReference,
    receivedAt: applied.receivedAt,
    allocations: applied.allocations.map((a) => ({
      transactionId: a.transactionId,
      installment: a.installment,
      principal: vnd(a.principalMinor),
      interest: vnd(a.interestMinor),
      fee: vnd(a.feeMinor),
    })),
    outstanding: vnd(outstandingMinor),
  };
}

function callerOf(request: FastifyRequest) {
  return { actor: "operator", correlationId: request.correlationId, causationId: request.id };
}

/**
 * `POST /v1/repayments` (mount under /v1): an operator records a buyer's repayment. API key with the
 * `operator` role (checked first, 401/403), then the body (400 naming the field), then Idempotency-Key
 * (400 missing, 422 reused with another body, 409 while the first runs, replayed afterwards). 201 with the
 * allocations; 404 when the user has no credit line; 409 when the amount is more than the buyer owes,
 * with the outstanding amount. A refused request appends nothing.
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
            extension: { outstanding: z.string().describe("what the buyer owes now, VND decimal string") },
          },
        ],
      },
      schema: {
        tags: ["money"],
        operationId: "recordRepayment",
        summary: "Record a buyer's repayment against their credit line",
        description:
          "Applies the amount to the buyer's loans, oldest loan first and within an installment processing " +
          "fee, then interest, then principal; the principal repaid is credit the buyer may spend again. " +
          "Needs an Idempotency-Key: the same key and body answer the stored response without recording " +
          "the repayment twice.",
        body: repaymentRequestSchema,
        response: { 201: repaymentResponseSchema },
      },
    },
    async (request, reply) => {
      const { userId, amount, bankReference, receivedAt } = request.body;
      // An id no credit line can have names none: not found, before the store is touched.
      if (!isKredivoUserId(userId))
        return sendProblem(request, reply, "credit_line_not_found", noCreditLine(userId));
      const repaymentId = repaymentIdOf(request.idempotency);
      try {
        const { applied, outstandingMinor } = await repayments.repay(
          { repaymentId, userId, amountMinor: repaymentAmountMinor(amount), bankReference, receivedAt },
          callerOf(request),
        );
        return reply.code(201).send(toResponse(userId, applied, outstandingMinor));
      } catch (error) {
        const problem = repaymentProblem(error, { userId, amount });
        if (!problem) throw error;
        const { code, ...fields } = problem;
        return sendProblem(request, reply, code, fields);
      }
    },
  );
}
