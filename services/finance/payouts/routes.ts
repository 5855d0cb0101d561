import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { currencies } from "../../../contracts/money.ts";
import { v1Field } from "../../../contracts/v1/bounds.ts";
import { type ApiKey, apiKeys } from "../../http/api-keys.ts";
import { idempotencyKeys } from "../../http/idempotency.ts";
import { type Claim, derivedId, derivedIdPrefix } from "../../http/idempotency-claims.ts";
import { sendProblem, useProblemErrors } from "../../http/problem-details.ts";
import type { ReadStore } from "../../platform/readstore/port.ts";
import { decimal } from "../decimal.ts";
import {
  JournalBehind,
  PayoutConflict,
  type PayoutMade,
  type PayoutRunKey,
  type PayoutRunResult,
  type PayoutService,
} from "./payout-run.ts";

/** The most merchants one run may name bank references for (a run pays each merchant at most once). */
const MAX_BANK_REFERENCES = 10_000;

export interface PayoutRoutesOptions {
  readonly payouts: PayoutService;
  /** Where the Idempotency-Key table lives. */
  readonly readStore: ReadStore;
  readonly apiKeys: readonly ApiKey[];
  /** IDEMPOTENCY_LEASE_MS (default: the plugin's). */
  readonly leaseMs?: number;
}

export const payoutRunRequestSchema = z
  .strictObject({
    bankAccount: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, "bank_account_must_be_1_to_64_letters_digits_dot_dash_underscore")
      .optional()
      .describe(
        "our bank account the transfers leave from (journal account cash:<bankAccount>); default operating",
      ),
    bankReferencePrefix: z
      .string()
      .regex(/^[A-Z0-9]{1,8}$/, "prefix_must_be_1_to_8_capital_letters_or_digits")
      .optional()
      .describe("prefix of the generated bank references (prefix + yyyymmdd + 10 digits); default LDGR"),
    bankReferences: z
      .record(
        v1Field("merchantId"),
        z.string().regex(/^[A-Za-z0-9-]{6,35}$/, "bank_reference_must_be_6_to_35_letters_digits_or_dashes"),
      )
      .refine(
        (references) => Object.keys(references).length <= MAX_BANK_REFERENCES,
        `at_most_${MAX_BANK_REFERENCES}_merchants`,
      )
      .optional()
      .describe(
        "the bank's reference (UTR) per merchant id, when known; other merchants get a generated one",
      ),
  })
  .default({})
  .meta({
    examples: [{}, { bankAccount: "BCA-001", bankReferences: { "sandbox-merchant": "UTR2026112700001" } }],
  });

const payoutSchema = z.object({
  merchantId: z.string(),
  payoutId: z.string(),
  amount: z.string().describe("cash sent: payable − receivable, decimal string in the currency"),
  currency: z.enum(currencies),
  payable: z.string().describe("merchant payable cleared"),
  receivable: z.string().describe("merchant receivable netted off (cancellations after an earlier payout)"),
  transactionIds: z.array(z.string()),
  bankAccount: z.string(),
  bankReference: z.string(),
  paidAt: z.string(),
  position: z.string().describe("log position of the PayoutMade event"),
});
const runResponseSchema = z.object({
  payouts: z.array(payoutSchema),
  position: z
    .string()
    .optional()
    .describe("log position of the run's last payout: the journal shows every payout once it has applied it"),
  journalCaughtUp: z
    .boolean()
    .optional()
    .describe("false: the journal had not applied `position` yet; ask with asOfPosition=<position> to wait"),
  interrupted: z
    .object({ merchantId: z.string(), currency: z.enum(currencies), detail: z.string() })
    .optional()
    .describe("a fault of ours stopped the run here after money had moved; the payouts listed stand"),
});

function toApi(p: PayoutMade): z.output<typeof payoutSchema> {
  return {
    merchantId: p.merchantId,
    payoutId: p.payoutId,
    amount: decimal(p.amountMinor, p.currency),
    currency: p.currency,
    payable: decimal(p.payableMinor, p.currency),
    receivable: decimal(p.receivableMinor, p.currency),
    transactionIds: [...p.transactionIds],
    bankAccount: p.bankAccount,
    bankReference: p.bankReference,
    paidAt: p.paidAt,
    position: p.position,
  };
}

/** The run's payout ids come from its Idempotency-Key: one per key, merchant and currency. */
function runKey(claim: Claim | undefined): PayoutRunKey | undefined {
  if (!claim) return undefined;
  return {
    payoutId: (merchantId, currency) => derivedId(claim, merchantId, currency),
    payoutIdPrefix: derivedIdPrefix(claim),
  };
}

function runResponse(result: PayoutRunResult): z.output<typeof runResponseSchema> {
  if (result.payouts.length === 0) return { payouts: [] };
  const { interrupted } = result;
  return {
    payouts: result.payouts.map(toApi),
    position: result.position,
    journalCaughtUp: result.journalCaughtUp,
    ...(interrupted
      ? {
          interrupted: {
            merchantId: interrupted.merchantId,
            currency: interrupted.currency,
            detail:
              `a fault of ours stopped the run at merchant ${interrupted.merchantId} (${interrupted.currency}); ` +
              "the payouts listed stand; run again with a new Idempotency-Key to pay the rest",
          },
        }
      : {}),
  };
}

/**
 * `POST /v1/payouts/run` (operator, Idempotency-Key): one payout per merchant and currency with a positive
 * open balance. 201 with the payouts made and the log position to wait for (also when the journal lagged or
 * a fault stopped the run after money moved: never a 5xx then); 200 with an empty list when nothing is
 * owed; 409 with the payouts made before it when a covered transaction was already paid by a concurrent
 * run; 503 when the journal is behind the log before anything was paid. A retry with the key of a run that
 * died pays nobody twice and answers the payouts that run made.
 */
export async function payoutRoutes(app: FastifyInstance, options: PayoutRoutesOptions): Promise<void> {
  await app.register(apiKeys, { apiKeys: options.apiKeys });
  await app.register(idempotencyKeys, { readStore: options.readStore, leaseMs: options.leaseMs });
  useProblemErrors(app, "payout");
  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.post(
    "/payouts/run",
    {
      // Before the Idempotency-Key is claimed: a caller without the role must not hold (or fill) keys.
      onRequest: app.requireRole("operator"),
      config: {
        idempotent: true,
        problems: [
          {
            code: "transaction_already_paid",
            extension: {
              payouts: z
                .array(payoutSchema)
                .describe("the payouts this run made before the conflict: they stand"),
            },
          },
          "journal_behind",
        ],
      },
      schema: {
        tags: ["payouts"],
        summary: "Pay every merchant its settled, unpaid balance: one payout per merchant (Idempotency-Key)",
        body: payoutRunRequestSchema,
        response: { 200: runResponseSchema, 201: runResponseSchema },
      },
    },
    async (request, reply) => {
      const caller = { actor: "operator", correlationId: request.correlationId, causationId: request.id };
      try {
        const result = await options.payouts.run(request.body, caller, runKey(request.idempotency));
        if (result.interrupted) {
          request.log.error({ err: result.interrupted.cause }, "payout run interrupted after money moved");
        }
        return reply.code(result.payouts.length === 0 ? 200 : 201).send(runResponse(result));
      } catch (error) {
        if (error instanceof PayoutConflict) {
          const before = error.made.map((p) => `${p.payoutId} (${p.merchantId})`).join(", ");
          return sendProblem(request, reply, "transaction_already_paid", {
            detail: `${error.message}${before ? `; payouts made before it: ${before}` : ""}`,
            extensions: { payouts: error.made.map(toApi) },
          });
        }
        if (error instanceof JournalBehind) {
          return sendProblem(request, reply, "journal_behind", { detail: error.message });
        }
        throw error;
      }
    },
  );
}
