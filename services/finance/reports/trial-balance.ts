import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { positionSchema } from "../../../contracts/envelope.ts";
import { sendProblem } from "../../http/problem-details.ts";
import type { EventStore } from "../../platform/eventstore/port.ts";
import type { ReadStore } from "../../platform/readstore/port.ts";
import { decimal } from "../decimal.ts";
import { type AccountTotals, type AsOf, trialBalance } from "../queries.ts";
import { amount, isoTime } from "./wire.ts";

export interface TrialBalanceRoutesOptions {
  readonly store: EventStore;
  readonly readStore: ReadStore;
  /** Resolves true once the journal projection has applied `position` (bounded). */
  readonly waitForJournal: (position: string) => Promise<boolean>;
}

const accountLineSchema = z.object({
  account: z.string(),
  currency: z.string(),
  debit: amount,
  credit: amount,
  balance: amount.describe("debit − credit: positive is a debit balance, negative a credit balance"),
});

const trialBalanceSchema = z.object({
  asOf: z.object({
    basis: z
      .enum(["current", "log position", "effective time"])
      .describe(
        "current totals, postings recorded at or before a log position, or effective at or before a time",
      ),
    position: z.string().optional().describe("asOfPosition, when asked"),
    time: z.string().optional().describe("asOfTime normalised to UTC, when asked"),
    journalPosition: z
      .string()
      .describe("the journal's saved checkpoint when read: it had applied at least this position"),
  }),
  accounts: z.array(accountLineSchema),
  totals: z.array(z.object({ currency: z.string(), debit: amount, credit: amount, balance: amount })),
});

const BASIS = {
  current: "current",
  position: "log position",
  time: "effective time",
} as const satisfies Record<AsOf["kind"], string>;

/** Each account's line and the totals per currency, as the trial balance answers them. */
export function trialBalanceLines(accounts: readonly AccountTotals[]) {
  const totals = new Map<string, { debit: bigint; credit: bigint }>();
  const lines = accounts.map((a) => {
    const t = totals.get(a.currency) ?? { debit: 0n, credit: 0n };
    t.debit += a.debitMinor;
    t.credit += a.creditMinor;
    totals.set(a.currency, t);
    return {
      account: a.account,
      currency: a.currency,
      debit: decimal(a.debitMinor, a.currency),
      credit: decimal(a.creditMinor, a.currency),
      balance: decimal(a.debitMinor - a.creditMinor, a.currency),
    };
  });
  return {
    accounts: lines,
    totals: [...totals.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([currency, t]) => ({
        currency,
        debit: decimal(t.debit, currency),
        credit: decimal(t.credit, currency),
        balance: decimal(t.debit - t.credit, currency),
      })),
  };
}

/** `GET /finance/trial-balance`: every account's debits, credits and balance, now or as of a position or time. */
export async function trialBalanceRoutes(app: FastifyInstance, options: TrialBalanceRoutesOptions) {
  const { store, readStore, waitForJournal } = options;
  app.withTypeProvider<ZodTypeProvider>().get(
    "/finance/trial-balance",
    {
      preHandler: app.requireRole("finance"),
      config: { problems: ["position_beyond_log_head", "journal_behind"] },
      schema: {
        tags: ["finance"],
        summary:
          "Trial balance: every account's debits, credits and balance, now or as of a position or time",
        querystring: z.object({
          asOfPosition: positionSchema
            .optional()
            .describe("sum the postings recorded at or before this log position (decimal string)"),
          asOfTime: isoTime
            .optional()
            .describe("sum the postings effective (business time) at or before this instant (ISO 8601)"),
        }),
        response: { 200: trialBalanceSchema },
      },
    },
    async (request, reply) => {
      const { asOfPosition, asOfTime } = request.query;
      if (asOfPosition !== undefined && asOfTime !== undefined) {
        return sendProblem(request, reply, "invalid_parameter", {
          detail: "asOfTime: give asOfPosition or asOfTime, not both",
          param: "asOfTime",
        });
      }
      let asOf: AsOf = { kind: "current" };
      if (asOfPosition !== undefined) {
        const head = await store.headPosition();
        if (BigInt(asOfPosition) > BigInt(head)) {
          return sendProblem(request, reply, "position_beyond_log_head", {
            detail: `asOfPosition: ${asOfPosition} is beyond the log head ${head}; ask for ${head} or before`,
            param: "asOfPosition",
          });
        }
        // The journal must have applied everything up to the position, or the sums would be short.
        if (!(await waitForJournal(asOfPosition))) {
          return sendProblem(request, reply, "journal_behind", {
            detail: `the journal has not reached position ${asOfPosition} yet; retry shortly`,
          });
        }
        asOf = { kind: "position", position: BigInt(asOfPosition) };
      } else if (asOfTime !== undefined) {
        asOf = { kind: "time", at: new Date(asOfTime).toISOString() };
      }
      const result = await trialBalance(readStore, asOf);
      return {
        asOf: {
          basis: BASIS[asOf.kind],
          ...(asOf.kind === "position" ? { position: asOf.position.toString() } : {}),
          ...(asOf.kind === "time" ? { time: asOf.at } : {}),
          journalPosition: result.journalPosition,
        },
        ...trialBalanceLines(result.accounts),
      };
    },
  );
}
