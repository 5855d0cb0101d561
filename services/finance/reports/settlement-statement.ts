import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { currencies } from "../../../contracts/money.ts";
import { v1Field } from "../../../contracts/v1/bounds.ts";
import { sendProblem } from "../../http/problem-details.ts";
import type { ReadStore } from "../../platform/readstore/port.ts";
import { decimal } from "../decimal.ts";
import { merchantExists, type SettlementStatement, settlementStatement } from "../queries.ts";
import { periodQuery, resolvePeriod } from "./period.ts";
import { amount } from "./wire.ts";

export interface SettlementStatementRoutesOptions {
  readonly readStore: ReadStore;
  readonly now: () => Date;
}

const settlementSchema = z.object({
  merchantId: z.string(),
  currency: z.string(),
  from: z.string(),
  to: z.string(),
  journalPosition: z.string(),
  settled: z.object({ count: z.number().int(), gross: amount, merchantFee: amount, net: amount }),
  cancelled: z.object({
    count: z.number().int(),
    gross: amount,
    merchantFeeReversed: amount,
    beforePayout: amount.describe("taken off the payable"),
    afterPayout: amount.describe("owed back by the merchant, netted by the next payout"),
  }),
  payouts: z.array(
    z.object({
      payoutId: z.string(),
      paidAt: z.string(),
      amount,
      payable: amount,
      receivable: amount,
      bankAccount: z.string(),
      bankReference: z.string(),
      transactionIds: z.array(z.string()),
    }),
  ),
  openingPayable: amount,
  closingPayable: amount,
  openingReceivable: amount,
  closingReceivable: amount,
  closingNet: amount.describe("closing payable − closing receivable: what the next payout would send"),
});

function toApi(
  s: SettlementStatement,
  period: { merchantId: string; currency: string; from: string; to: string },
): z.output<typeof settlementSchema> {
  const d = (minor: bigint) => decimal(minor, period.currency);
  return {
    ...period,
    journalPosition: s.journalPosition,
    settled: {
      count: s.settled.count,
      gross: d(s.settled.grossMinor),
      merchantFee: d(s.settled.merchantFeeMinor),
      net: d(s.settled.netMinor),
    },
    cancelled: {
      count: s.cancelled.count,
      gross: d(s.cancelled.grossMinor),
      merchantFeeReversed: d(s.cancelled.merchantFeeReversedMinor),
      beforePayout: d(s.cancelled.beforePayoutMinor),
      afterPayout: d(s.cancelled.afterPayoutMinor),
    },
    payouts: s.payouts.map((p) => ({
      payoutId: p.payoutId,
      paidAt: p.paidAt,
      amount: d(p.amountMinor),
      payable: d(p.payableMinor),
      receivable: d(p.receivableMinor),
      bankAccount: p.bankAccount,
      bankReference: p.bankReference,
      transactionIds: [...p.transactionIds],
    })),
    openingPayable: d(s.openingPayableMinor),
    closingPayable: d(s.closingPayableMinor),
    openingReceivable: d(s.openingReceivableMinor),
    closingReceivable: d(s.closingReceivableMinor),
    closingNet: d(s.closingPayableMinor - s.closingReceivableMinor),
  };
}

/** `GET /finance/merchants/:merchantId/settlement-statement`: a merchant's period, effective time `[from, to)`. */
export async function settlementStatementRoutes(
  app: FastifyInstance,
  options: SettlementStatementRoutesOptions,
) {
  const { readStore } = options;
  app.withTypeProvider<ZodTypeProvider>().get(
    "/finance/merchants/:merchantId/settlement-statement",
    {
      preHandler: app.requireRole("finance"),
      config: { problems: ["merchant_not_found"] },
      schema: {
        tags: ["finance"],
        summary: "A merchant's settlements, cancellations, fees and payouts for a period, with its payable",
        params: z.object({ merchantId: v1Field("merchantId") }),
        querystring: periodQuery.extend({
          currency: z
            .enum(currencies)
            .default("VND")
            .describe("the statement's currency: a merchant with business in several has one statement each"),
        }),
        response: { 200: settlementSchema },
      },
    },
    async (request, reply) => {
      const { merchantId } = request.params;
      const { currency } = request.query;
      const period = resolvePeriod(request.query, options.now());
      if (!period.ok) return period.refuse(request, reply);
      const { from, to } = period;
      if (!(await merchantExists(readStore, merchantId))) {
        return sendProblem(request, reply, "merchant_not_found", {
          detail: `no merchant ${merchantId}; name a registered merchant by its id`,
          param: "merchantId",
        });
      }
      const statement = await settlementStatement(readStore, merchantId, currency, from, to);
      return toApi(statement, { merchantId, currency, from, to });
    },
  );
}
