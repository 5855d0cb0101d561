import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { positionSchema } from "../../contracts/envelope.ts";
import { type ApiKey, apiKeys } from "../http/api-keys.ts";
import { sendProblem, useProblemErrors } from "../http/problem-details.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import { decimal } from "./decimal.ts";
import { buyerLoans, type Components } from "./loans.ts";
import {
  type AccountTotals,
  type AsOf,
  accountCurrencies,
  accountStatement,
  merchantExists,
  settlementStatement,
  trialBalance,
} from "./queries.ts";

export interface FinanceRoutesOptions {
  readonly store: EventStore;
  readonly readStore: ReadStore;
  /** Resolves true once the journal projection has applied `position` (bounded). */
  readonly waitForJournal: (position: string) => Promise<boolean>;
  readonly now: () => Date;
  readonly apiKeys: readonly ApiKey[];
}

const amount = z.string().describe("decimal string in the currency's major units (VND has none)");
const isoTime = z.iso.datetime({ offset: true });

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

const cursorPattern = /^(0|[1-9][0-9]*)\.([1-9][0-9]*)$/;

const statementSchema = z.object({
  account: z.string(),
  currency: z.string(),
  entries: z.array(
    z.object({
      entryId: z.string(),
      eventId: z.string(),
      kind: z.string(),
      position: z.string(),
      effectiveAt: z.string(),
      recordedAt: z.string(),
      transactionId: z.string().nullable(),
      merchantId: z.string().nullable(),
      userId: z.string().nullable(),
      debit: amount,
      credit: amount,
      balance: amount.describe("the account's running balance after this posting (debit − credit)"),
    }),
  ),
  nextCursor: z.string().nullable().describe("pass as cursor for the next page; null on the last page"),
});

const componentsSchema = z.object({ principal: amount, interest: amount, fee: amount });

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

const loansSchema = z.object({
  userId: z.string(),
  currency: z.literal("VND"),
  creditLine: z.object({
    limit: amount,
    held: amount,
    used: amount,
    available: z.array(z.object({ tenure: z.number().int(), available: amount })),
  }),
  outstanding: amount,
  refundDue: amount,
  overdue: z.boolean(),
  loans: z.array(
    z.object({
      transactionId: z.string(),
      merchantId: z.string(),
      tenure: z.number().int(),
      openedAt: z.string(),
      status: z.enum(["open", "closed"]),
      scheduled: componentsSchema,
      repaid: componentsSchema,
      cancelled: componentsSchema,
      refundDue: amount,
      outstanding: componentsSchema.extend({ total: amount }),
      installments: z.array(
        z.object({
          number: z.number().int(),
          dueDate: z.string(),
          status: z.enum(["closed", "due", "overdue"]),
          scheduled: componentsSchema,
          outstanding: componentsSchema.extend({ total: amount }),
        }),
      ),
    }),
  ),
});

const vnd = (minor: bigint) => decimal(minor, "VND");
const components = (c: Components) => ({
  principal: vnd(c.principalMinor),
  interest: vnd(c.interestMinor),
  fee: vnd(c.feeMinor),
});
const withTotal = (c: Components) => ({
  ...components(c),
  total: vnd(c.principalMinor + c.interestMinor + c.feeMinor),
});

function accountLines(accounts: readonly AccountTotals[]) {
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

/**
 * The finance read API under /v1/finance (API key with the `finance` role): trial balance (current, as of
 * a log position or an effective time), account statements with running balances, merchant settlement
 * statements and a buyer's loans. Bad parameters are 400 problems naming the parameter.
 */
export async function financeRoutes(app: FastifyInstance, options: FinanceRoutesOptions): Promise<void> {
  await app.register(apiKeys, { apiKeys: options.apiKeys });
  useProblemErrors(app, "finance");
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const finance = app.requireRole("finance");
  const { readStore, store } = options;

  typed.get(
    "/finance/trial-balance",
    {
      preHandler: finance,
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
        if (!(await options.waitForJournal(asOfPosition))) {
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
          basis:
            asOf.kind === "current"
              ? ("current" as const)
              : asOf.kind === "position"
                ? ("log position" as const)
                : ("effective time" as const),
          ...(asOf.kind === "position" ? { position: asOf.position.toString() } : {}),
          ...(asOf.kind === "time" ? { time: asOf.at } : {}),
          journalPosition: result.journalPosition,
        },
        ...accountLines(result.accounts),
      };
    },
  );

  typed.get(
    "/finance/accounts/:account/statement",
    {
      preHandler: finance,
      config: { problems: ["account_not_found"] },
      schema: {
        tags: ["finance"],
        summary: "An account's postings in log order with the running balance, paged",
        params: z.object({ account: z.string().min(1).max(300) }),
        querystring: z.object({
          currency: z
            .string()
            .regex(/^[A-Z]{3}$/, "currency_must_be_an_iso_code")
            .optional()
            .describe("needed only when the account has postings in more than one currency"),
          cursor: z
            .string()
            .regex(cursorPattern, "cursor_must_be_a_next_cursor_from_a_previous_page")
            .optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: { 200: statementSchema },
      },
    },
    async (request, reply) => {
      const { account } = request.params;
      const { cursor, limit } = request.query;
      const available = await accountCurrencies(readStore, account);
      if (available.length === 0) {
        return sendProblem(request, reply, "account_not_found", {
          detail: `no postings to account ${account}; the trial balance lists every account that has some`,
          param: "account",
        });
      }
      const currency = request.query.currency ?? (available.length === 1 ? available[0] : undefined);
      if (currency === undefined || !available.includes(currency)) {
        return sendProblem(request, reply, "invalid_parameter", {
          detail: `currency: account ${account} has postings in ${available.join(", ")}; name one`,
          param: "currency",
        });
      }
      const match = cursor === undefined ? undefined : cursorPattern.exec(cursor);
      const after = match ? { position: BigInt(match[1]!), seq: Number(match[2]) } : undefined;
      const lines = await accountStatement(readStore, account, currency, after, limit);
      const last = lines.at(-1);
      return {
        account,
        currency,
        entries: lines.map((l) => ({
          entryId: l.entryId,
          eventId: l.eventId,
          kind: l.kind,
          position: l.position,
          effectiveAt: l.effectiveAt,
          recordedAt: l.recordedAt,
          transactionId: l.transactionId,
          merchantId: l.merchantId,
          userId: l.userId,
          debit: decimal(l.debitMinor, currency),
          credit: decimal(l.creditMinor, currency),
          balance: decimal(l.balanceMinor, currency),
        })),
        nextCursor: lines.length === limit && last ? `${last.position}.${last.seq}` : null,
      };
    },
  );

  typed.get(
    "/finance/merchants/:merchantId/settlement-statement",
    {
      preHandler: finance,
      config: { problems: ["merchant_not_found"] },
      schema: {
        tags: ["finance"],
        summary: "A merchant's settlements, cancellations, fees and payouts for a period, with its payable",
        params: z.object({ merchantId: z.string().min(1).max(200) }),
        querystring: z.object({
          from: isoTime
            .optional()
            .describe("start of the period, inclusive (effective time); default: the start"),
          to: isoTime.optional().describe("end of the period, exclusive (effective time); default: now"),
          currency: z.enum(["VND"]).default("VND"),
        }),
        response: { 200: settlementSchema },
      },
    },
    async (request, reply) => {
      const { merchantId } = request.params;
      const { currency } = request.query;
      const from = new Date(request.query.from ?? "1970-01-01T00:00:00.000Z").toISOString();
      const to = new Date(request.query.to ?? options.now()).toISOString();
      if (from >= to) {
        return sendProblem(request, reply, "invalid_parameter", {
          detail: `to: the period must end after it starts (from ${from}, to ${to})`,
          param: "to",
        });
      }
      if (!(await merchantExists(readStore, merchantId))) {
        return sendProblem(request, reply, "merchant_not_found", {
          detail: `no merchant ${merchantId}; name a registered merchant by its id`,
          param: "merchantId",
        });
      }
      const s = await settlementStatement(readStore, merchantId, currency, from, to);
      const d = (minor: bigint) => decimal(minor, currency);
      return {
        merchantId,
        currency,
        from,
        to,
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
    },
  );

  typed.get(
    "/finance/buyers/:userId/loans",
    {
      preHandler: finance,
      config: { problems: ["buyer_not_found"] },
      schema: {
        tags: ["finance"],
        summary:
          "A buyer's loans: schedule, repaid, cancelled and outstanding per installment, from the credit line",
        params: z.object({ userId: z.string().min(1).max(200) }),
        response: { 200: loansSchema },
      },
    },
    async (request, reply) => {
      const { userId } = request.params;
      const loans = await buyerLoans(store, userId, options.now());
      if (!loans) {
        return sendProblem(request, reply, "buyer_not_found", {
          detail: `buyer ${userId} has no credit line; the buyer's first approved checkout opens one`,
          param: "userId",
        });
      }
      return {
        userId: loans.userId,
        currency: loans.currency,
        creditLine: {
          limit: vnd(loans.creditLine.limitMinor),
          held: vnd(loans.creditLine.heldMinor),
          used: vnd(loans.creditLine.usedMinor),
          available: loans.creditLine.availableMinor.map((a) => ({
            tenure: a.tenure,
            available: vnd(a.availableMinor),
          })),
        },
        outstanding: vnd(loans.outstandingMinor),
        refundDue: vnd(loans.refundDueMinor),
        overdue: loans.overdue,
        loans: loans.loans.map((l) => ({
          transactionId: l.transactionId,
          merchantId: l.merchantId,
          tenure: l.tenure,
          openedAt: l.openedAt,
          status: l.status,
          scheduled: components(l.scheduled),
          repaid: components(l.repaid),
          cancelled: components(l.cancelled),
          refundDue: vnd(l.refundDueMinor),
          outstanding: withTotal(l.outstanding),
          installments: l.installments.map((i) => ({
            number: i.number,
            dueDate: i.dueDate,
            status: i.status,
            scheduled: components(i.scheduled),
            outstanding: withTotal(i.outstanding),
          })),
        })),
      };
    },
  );
}
