import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { currencies } from "../../../contracts/money.ts";
import { v1Id } from "../../../contracts/v1/bounds.ts";
import type { ReadStore } from "../../platform/readstore/port.ts";
import { decimal } from "../decimal.ts";
import { periodQuery, resolvePeriod } from "../reports/period.ts";
import { amount } from "../reports/wire.ts";
import { sendCsv, toCsv, wantsCsv } from "./csv.ts";
import { payoutReport, type ReconciledPayout } from "./payout-report.ts";

const lineSchema = z.object({
  category: z.enum(["settlement", "cancellation", "refund"]),
  transactionId: z.string(),
  effectiveAt: z.string(),
  gross: amount,
  fee: amount,
  net: amount,
});

const payoutSchema = z.object({
  payoutId: z.string(),
  merchantId: z.string(),
  currency: z.string(),
  paidAt: z.string(),
  amount: amount.describe("what was paid: the sum of `lines[].net`"),
  bankAccount: z.string(),
  bankReference: z.string(),
  lines: z.array(lineSchema),
});

const CSV_HEADER = [
  "payout_id",
  "merchant_id",
  "paid_at",
  "bank_reference",
  "payout_amount",
  "currency",
  "category",
  "transaction_id",
  "effective_at",
  "gross",
  "fee",
  "net",
];

function toApi({ payout, lines }: ReconciledPayout): z.output<typeof payoutSchema> {
  const d = (minor: bigint) => decimal(minor, payout.currency);
  return {
    payoutId: payout.payoutId,
    merchantId: payout.merchantId,
    currency: payout.currency,
    paidAt: payout.paidAt,
    amount: d(payout.amountMinor),
    bankAccount: payout.bankAccount,
    bankReference: payout.bankReference,
    lines: lines.map((l) => ({
      category: l.category,
      transactionId: l.transactionId,
      effectiveAt: l.effectiveAt,
      gross: d(l.grossMinor),
      fee: d(l.feeMinor),
      net: d(l.netMinor),
    })),
  };
}

/** `GET /recon/payouts`: payouts paid in a period, each with the lines it covers. */
export async function payoutReportRoutes(
  app: FastifyInstance,
  options: { readonly readStore: ReadStore; readonly now: () => Date },
) {
  app.withTypeProvider<ZodTypeProvider>().get(
    "/recon/payouts",
    {
      preHandler: app.requireRole("finance"),
      schema: {
        tags: ["recon"],
        summary:
          "Payout reconciliation: each payout with every settlement, cancellation and refund it covers",
        description:
          "The lines of a payout sum to its amount. `Accept: text/csv` answers one CSV row per line, " +
          "the payout's columns repeated on each.",
        querystring: periodQuery.extend({
          merchantId: v1Id("merchantId").optional(),
          currency: z.enum(currencies).optional(),
        }),
        response: { 200: z.object({ from: z.string(), to: z.string(), payouts: z.array(payoutSchema) }) },
      },
    },
    async (request, reply) => {
      const period = resolvePeriod(request.query, options.now());
      if (!period.ok) return period.refuse(request, reply);
      const { merchantId, currency } = request.query;
      const payouts = (await payoutReport(options.readStore, { ...period, merchantId, currency })).map(toApi);
      if (!wantsCsv(request)) return { from: period.from, to: period.to, payouts };
      const rows = payouts.flatMap((p) =>
        p.lines.map((l) => [
          p.payoutId,
          p.merchantId,
          p.paidAt,
          p.bankReference,
          p.amount,
          p.currency,
          l.category,
          l.transactionId,
          l.effectiveAt,
          l.gross,
          l.fee,
          l.net,
        ]),
      );
      return sendCsv(reply, "payouts.csv", toCsv(CSV_HEADER, rows));
    },
  );
}
