import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { currencies } from "../../../contracts/money.ts";
import { sendProblem } from "../../http/problem-details.ts";
import type { DayClose } from "../../ledger/books/books.decider.ts";
import { decimal } from "../decimal.ts";
import { amount } from "../reports/wire.ts";
import { sendCsv, toCsv, wantsCsv } from "./csv.ts";
import type { DailyClose } from "./daily-close.ts";

export const DAYS_HEADER = ["day", "currency", "account_class", "opening", "debit", "credit", "closing"];
const day = z.iso.date().describe("a day, YYYY-MM-DD (UTC)");
const currency = z.enum(currencies).default("VND");

const closeSchema = z.object({
  currency: z.string(),
  day: z.string(),
  closedThroughPosition: z.string().describe("the journal position the day was closed at"),
  opening: z.array(z.object({ accountClass: z.string(), balance: amount })),
  movements: z.array(z.object({ accountClass: z.string(), debit: amount, credit: amount })),
  closing: z.array(z.object({ accountClass: z.string(), balance: amount })),
  late: z
    .array(z.object({ belongsTo: z.string(), postings: z.number().int(), debit: amount, credit: amount }))
    .describe("postings of earlier, closed days recorded after their close, counted here"),
});

export function dayCloseToApi(c: DayClose): z.output<typeof closeSchema> {
  const d = (minor: bigint) => decimal(minor, c.currency);
  return {
    currency: c.currency,
    day: c.day,
    closedThroughPosition: c.closedThroughPosition,
    opening: c.opening.map((b) => ({ accountClass: b.accountClass, balance: d(b.balanceMinor) })),
    movements: c.movements.map((m) => ({
      accountClass: m.accountClass,
      debit: d(m.debitMinor),
      credit: d(m.creditMinor),
    })),
    closing: c.closing.map((b) => ({ accountClass: b.accountClass, balance: d(b.balanceMinor) })),
    late: c.late.map((l) => ({
      belongsTo: l.belongsTo,
      postings: l.postings,
      debit: d(l.debitMinor),
      credit: d(l.creditMinor),
    })),
  };
}

/** Closed days' rows, one per day and account class (the CSV's, and the finance page's table). */
export function dayRows(closes: readonly z.output<typeof closeSchema>[]) {
  return closes.flatMap((c) => {
    const classes = [
      ...new Set([...c.opening, ...c.movements, ...c.closing].map((x) => x.accountClass)),
    ].sort();
    // A day without postings still shows that it was closed.
    if (classes.length === 0) return [[c.day, c.currency, "", "0", "0", "0", "0"]];
    return classes.map((accountClass) => {
      const moved = c.movements.find((m) => m.accountClass === accountClass);
      return [
        c.day,
        c.currency,
        accountClass,
        c.opening.find((b) => b.accountClass === accountClass)?.balance ?? "0",
        moved?.debit ?? "0",
        moved?.credit ?? "0",
        c.closing.find((b) => b.accountClass === accountClass)?.balance ?? "0",
      ];
    });
  });
}

/** `POST /recon/days/:day/close`, `GET /recon/days`, `GET /recon/days/:day`. */
export async function dailyCloseRoutes(app: FastifyInstance, options: { readonly close: DailyClose }) {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.post(
    "/recon/days/:day/close",
    {
      onRequest: app.requireRole("finance"),
      config: { problems: ["day_not_over", "journal_behind"] },
      schema: {
        tags: ["recon"],
        summary: "Close the books of a day (and every open day before it), per currency",
        description:
          "Each day closes once, in order: its opening is the last closing, its movements the postings of that " +
          "effective day or earlier recorded by the close and not in an earlier close (a posting recorded after " +
          "its day closed is counted here under `late`), its closing opening + debit − credit per account " +
          "class. A closed day never changes: closing it again answers it as it is; a day before the first close " +
          "answers the first close, which counted it as history.",
        params: z.object({ day }),
        body: z.object({ currency }).default({ currency: "VND" }),
        response: { 201: z.object({ day: closeSchema, closed: z.array(z.string()) }) },
      },
    },
    async (request, reply) => {
      const caller = { actor: "finance", correlationId: request.correlationId, causationId: request.id };
      const result = await options.close.closeThrough(request.body.currency, request.params.day, caller);
      if (result.outcome === "journal_behind") return sendProblem(request, reply, "journal_behind");
      if (result.outcome === "day_not_over") {
        return sendProblem(request, reply, "day_not_over", {
          detail: `${result.day} is not over yet (days are UTC); close it from ${result.day}T24:00Z on`,
          param: "day",
        });
      }
      return reply
        .code(201)
        .send({ day: dayCloseToApi(result.day), closed: result.closed.map((c) => c.day) });
    },
  );
  typed.get(
    "/recon/days",
    {
      onRequest: app.requireRole("finance"),
      schema: {
        tags: ["recon"],
        summary: "The closed days of a currency (`Accept: text/csv`: a row per day and account class)",
        querystring: z.object({ currency, from: day.optional(), to: day.optional() }),
        response: { 200: z.object({ days: z.array(closeSchema) }) },
      },
    },
    async (request, reply) => {
      const { from, to } = request.query;
      const days = (await options.close.closesOf(request.query.currency))
        .filter((c) => (from === undefined || c.day >= from) && (to === undefined || c.day <= to))
        .map(dayCloseToApi);
      if (!wantsCsv(request)) return { days };
      return sendCsv(reply, "daily-close.csv", toCsv(DAYS_HEADER, dayRows(days)));
    },
  );
  typed.get(
    "/recon/days/:day",
    {
      onRequest: app.requireRole("finance"),
      config: { problems: ["day_not_closed"] },
      schema: {
        tags: ["recon"],
        summary: "One closed day of a currency",
        description:
          "A day before the first close answers the first close, which counted it as history (as the close " +
          "route does).",
        params: z.object({ day }),
        querystring: z.object({ currency }),
        response: { 200: closeSchema },
      },
    },
    async (request, reply) => {
      const close = await options.close.closeOf(request.query.currency, request.params.day);
      if (close) return dayCloseToApi(close);
      return sendProblem(request, reply, "day_not_closed", {
        detail: `${request.params.day} is not closed in ${request.query.currency}; close it with POST /v1/recon/days/${request.params.day}/close`,
        param: "day",
      });
    },
  );
}
