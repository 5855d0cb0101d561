import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { type ApiKey, apiKeys } from "../../http/api-keys.ts";
import { idempotencyKeys } from "../../http/idempotency.ts";
import { sendProblem, useProblemErrors } from "../../http/problem-details.ts";
import type { ReadStore } from "../../platform/readstore/port.ts";
import { decimal } from "../decimal.ts";
import { JournalBehind, PayoutConflict, type PayoutMade, type PayoutService } from "./payout-run.ts";

export interface PayoutRoutesOptions {
  readonly payouts: PayoutService;
  /** Where the Idempotency-Key table lives. */
  readonly readStore: ReadStore;
  readonly apiKeys: readonly ApiKey[];
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
        z.string().min(1).max(200),
        z.string().regex(/^[A-Za-z0-9-]{6,35}$/, "bank_reference_must_be_6_to_35_letters_digits_or_dashes"),
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
  currency: z.literal("VND"),
  payable: z.string().describe("merchant payable cleared"),
  receivable: z.string().describe("merchant receivable netted off (cancellations after an earlier payout)"),
  transactionIds: z.array(z.string()),
  bankAccount: z.string(),
  bankReference: z.string(),
  paidAt: z.string(),
  position: z.string().describe("log position of the PayoutMade event"),
});
const runResponseSchema = z.object({ payouts: z.array(payoutSchema) });

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

/**
 * `POST /v1/payouts/run` (operator, Idempotency-Key): one payout per merchant with a positive open balance.
 * 201 with the payouts made; 200 with an empty list when nothing is owed; 409 when a covered transaction
 * was already paid by a concurrent run; 503 when the journal is behind the log.
 */
export async function payoutRoutes(app: FastifyInstance, options: PayoutRoutesOptions): Promise<void> {
  await app.register(apiKeys, { apiKeys: options.apiKeys });
  await app.register(idempotencyKeys, { readStore: options.readStore });
  useProblemErrors(app, "payout");
  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.post(
    "/payouts/run",
    {
      // Before the Idempotency-Key is claimed: a caller without the role must not hold (or fill) keys.
      onRequest: app.requireRole("operator"),
      config: { idempotent: true, problems: ["transaction_already_paid", "journal_behind"] },
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
        const made = await options.payouts.run(request.body, caller);
        return reply.code(made.length === 0 ? 200 : 201).send({ payouts: made.map(toApi) });
      } catch (error) {
        if (error instanceof PayoutConflict) {
          const before = error.made.map((p) => `${p.payoutId} (${p.merchantId})`).join(", ");
          return sendProblem(request, reply, "transaction_already_paid", {
            detail: `${error.message}${before ? `; payouts made before it: ${before}` : ""}`,
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
