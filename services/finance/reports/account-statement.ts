import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { v1Field } from "../../../contracts/v1/bounds.ts";
import { sendProblem } from "../../http/problem-details.ts";
import type { ReadStore } from "../../platform/readstore/port.ts";
import { decimal } from "../decimal.ts";
import { accountCurrencies, accountStatement, type StatementLine } from "../queries.ts";
import { amount } from "./wire.ts";

export interface AccountStatementRoutesOptions {
  readonly readStore: ReadStore;
}

/** A page ends at a posting: its log position and its sequence within the entry. */
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

const statementQuery = z.object({
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, "currency_must_be_an_iso_code")
    .optional()
    .describe("needed only when the account has postings in more than one currency"),
  cursor: z.string().regex(cursorPattern, "cursor_must_be_a_next_cursor_from_a_previous_page").optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** `GET /finance/accounts/:account/statement`: an account's postings in log order with the running balance. */
export async function accountStatementRoutes(app: FastifyInstance, options: AccountStatementRoutesOptions) {
  const { readStore } = options;
  app.withTypeProvider<ZodTypeProvider>().get(
    "/finance/accounts/:account/statement",
    {
      preHandler: app.requireRole("finance"),
      config: { problems: ["account_not_found"] },
      schema: {
        tags: ["finance"],
        summary: "An account's postings in log order with the running balance, paged",
        params: z.object({ account: v1Field("account") }),
        querystring: statementQuery,
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
      const currency = statementCurrency(request.query.currency, available);
      if (currency === undefined) {
        return sendProblem(request, reply, "invalid_parameter", {
          detail: `currency: account ${account} has postings in ${available.join(", ")}; name one`,
          param: "currency",
        });
      }
      const lines = await accountStatement(readStore, account, currency, afterCursor(cursor), limit);
      return toApi(lines, { account, currency, limit });
    },
  );
}

/** The currency asked for, or the account's only one; undefined when that names none of its currencies. */
function statementCurrency(asked: string | undefined, available: readonly string[]): string | undefined {
  const currency = asked ?? (available.length === 1 ? available[0] : undefined);
  return currency !== undefined && available.includes(currency) ? currency : undefined;
}

/** The posting a page starts after, from the previous page's `nextCursor`. */
function afterCursor(cursor: string | undefined): { position: bigint; seq: number } | undefined {
  const match = cursor === undefined ? undefined : cursorPattern.exec(cursor);
  return match ? { position: BigInt(match[1]!), seq: Number(match[2]) } : undefined;
}

function toApi(
  lines: readonly StatementLine[],
  page: { account: string; currency: string; limit: number },
): z.output<typeof statementSchema> {
  const { account, currency, limit } = page;
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
    // A short page is the last; a full one may be too, and the next page is then empty.
    nextCursor: lines.length === limit && last ? `${last.position}.${last.seq}` : null,
  };
}
