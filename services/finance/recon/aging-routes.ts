import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { currencies } from "../../../contracts/money.ts";
import type { EventStore } from "../../platform/eventstore/port.ts";
import type { ReadStore } from "../../platform/readstore/port.ts";
import { decimal } from "../decimal.ts";
import { amount, isoTime } from "../reports/wire.ts";
import { AGING_BUCKETS, type Aging, addAging, type LineAging, NO_AGING, receivablesAging } from "./aging.ts";
import { sendCsv, toCsv, wantsCsv } from "./csv.ts";

const bucketsSchema = z.object({
  current: amount.describe("not yet due"),
  "1-30": amount,
  "31-60": amount,
  "61-90": amount,
  "90+": amount,
  total: amount,
});

const agingSchema = z.object({
  at: z.string(),
  lines: z.array(bucketsSchema.extend({ userId: z.string(), product: z.string(), currency: z.string() })),
  totals: z.array(bucketsSchema.extend({ currency: z.string() })),
});

function buckets(aging: Aging, totalMinor: bigint, currency: string) {
  const d = (minor: bigint) => decimal(minor, currency);
  return {
    current: d(aging.current),
    "1-30": d(aging["1-30"]),
    "31-60": d(aging["31-60"]),
    "61-90": d(aging["61-90"]),
    "90+": d(aging["90+"]),
    total: d(totalMinor),
  };
}

function totalsByCurrency(lines: readonly LineAging[]) {
  const totals = new Map<string, { aging: Aging; totalMinor: bigint }>();
  for (const line of lines) {
    const sum = totals.get(line.currency) ?? { aging: NO_AGING, totalMinor: 0n };
    totals.set(line.currency, {
      aging: addAging(sum.aging, line.aging),
      totalMinor: sum.totalMinor + line.totalMinor,
    });
  }
  return [...totals].map(([currency, { aging, totalMinor }]) => ({
    currency,
    ...buckets(aging, totalMinor, currency),
  }));
}

export const AGING_HEADER = ["user_id", "product", "currency", ...AGING_BUCKETS, "total"];

/** The aging report's rows, one per line (the CSV's, and the finance page's table). */
export function agingRows(body: z.output<typeof agingSchema>) {
  return body.lines.map((l) => [
    l.userId,
    l.product,
    l.currency,
    ...AGING_BUCKETS.map((bucket) => l[bucket]),
    l.total,
  ]);
}

/** The aging report's wire form, as `GET /recon/aging` answers it. */
export async function agingReport(
  options: { readonly store: EventStore; readonly readStore: ReadStore },
  at: Date,
  currency: (typeof currencies)[number] | undefined,
): Promise<z.output<typeof agingSchema>> {
  const lines = await receivablesAging(options.store, options.readStore, at, currency);
  return {
    at: at.toISOString(),
    lines: lines.map((l) => ({
      userId: l.userId,
      product: l.product,
      currency: l.currency,
      ...buckets(l.aging, l.totalMinor, l.currency),
    })),
    totals: totalsByCurrency(lines),
  };
}

/** `GET /recon/aging`: receivables per buyer and currency by days past due, as of a date. */
export async function agingRoutes(
  app: FastifyInstance,
  options: { readonly store: EventStore; readonly readStore: ReadStore; readonly now: () => Date },
) {
  app.withTypeProvider<ZodTypeProvider>().get(
    "/recon/aging",
    {
      onRequest: app.requireRole("finance"),
      schema: {
        tags: ["recon"],
        summary:
          "Aging of receivables per buyer and currency: current, 1–30, 31–60, 61–90, 90+ days past due",
        description:
          "As recorded by `at` (a later repayment does not change an earlier report). Lines owing nothing are " +
          "left out; each line's buckets add up to its total. `Accept: text/csv` answers one row per line.",
        querystring: z.object({
          at: isoTime.optional().describe("the date the ages are counted to; default: now"),
          currency: z.enum(currencies).optional(),
        }),
        response: { 200: agingSchema },
      },
    },
    async (request, reply) => {
      const at = new Date(request.query.at ?? options.now());
      const body = await agingReport(options, at, request.query.currency);
      if (!wantsCsv(request)) return body;
      return sendCsv(reply, "aging.csv", toCsv(AGING_HEADER, agingRows(body)));
    },
  );
}
