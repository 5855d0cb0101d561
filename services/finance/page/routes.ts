import { randomBytes } from "node:crypto";
import formbody from "@fastify/formbody";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { currencies } from "../../../contracts/money.ts";
import { type ApiKey, rolesOfKey } from "../../http/api-keys.ts";
import { authClient, authFailuresOf, refuseWhenLimited } from "../../http/auth-failures.ts";
import { sendHtmlPage } from "../../http/html-page.ts";
import { pageSession } from "../../http/page-session.ts";
import type { EventStore } from "../../platform/eventstore/port.ts";
import type { ReadStore } from "../../platform/readstore/port.ts";
import { trialBalance } from "../queries.ts";
import { AGING_HEADER, agingReport, agingRows } from "../recon/aging-routes.ts";
import { EXCEPTIONS_HEADER, exceptionRows, statementReportToApi } from "../recon/bank-statement-routes.ts";
import { type BankStatements, listStatements } from "../recon/bank-statements.ts";
import { type CsvValue, sendCsv, toCsv } from "../recon/csv.ts";
import type { DailyClose } from "../recon/daily-close.ts";
import { DAYS_HEADER, dayCloseToApi, dayRows } from "../recon/daily-close-routes.ts";
import { trialBalanceLines } from "../reports/trial-balance.ts";
import { loginPage, PAGE_POLICY, type PageName, reportPage, type Table } from "./views.ts";

// The finance page (issue "Finance reconciliation and audit"): trial balance, daily close, aging and bank
// statements' exceptions, each downloadable as CSV, behind a sign-in with a `finance` API key. The key is
// checked once and never kept: the browser gets a signed, HttpOnly session cookie (8 hours) scoped to the
// page's path; sign-out clears it. Forms carry a CSRF token. Mounted at /finance.

export const FINANCE_PAGE_PATH = "/finance";
const SESSION_SECONDS = 8 * 3600;
const STATEMENTS_SHOWN = 20;

export interface FinancePageOptions {
  readonly store: EventStore;
  readonly readStore: ReadStore;
  readonly apiKeys: readonly ApiKey[];
  readonly close: DailyClose;
  readonly statements: BankStatements;
  readonly now: () => Date;
  readonly publicBaseUrl: () => string;
  /** Signs the session cookie; a random one per process when not configured (sessions end with it). */
  readonly sessionSecret: string | undefined;
}

const sessionSchema = z.object({ role: z.literal("finance"), expiresAtMs: z.number().int() });
const form = z.object({ csrf: z.string().max(100).default("") });
const hidden = { hide: true } as const;

interface Report {
  readonly title: string;
  readonly note: string;
  readonly tables: readonly Table[];
  /** The CSV download of the whole page. */
  readonly csv: { readonly header: readonly string[]; readonly rows: readonly (readonly CsvValue[])[] };
}

export async function financePage(app: FastifyInstance, options: FinancePageOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  await app.register(formbody, { bodyLimit: 4 * 1024 });
  const base = FINANCE_PAGE_PATH;
  const sessions = pageSession({
    schema: sessionSchema,
    name: "finance_session",
    secret: options.sessionSecret ?? randomBytes(32).toString("base64url"),
    path: base,
    maxAgeSeconds: SESSION_SECONDS,
    publicBaseUrl: options.publicBaseUrl,
  });
  const signedIn = (request: FastifyRequest) => sessions.read(request, options.now().getTime()) !== undefined;
  const toLogin = (reply: FastifyReply) => reply.code(303).header("location", `${base}/login`).send();
  const page = (reply: FastifyReply, status: number, markup: Parameters<typeof sendHtmlPage>[2]) =>
    sendHtmlPage(reply, status, markup, PAGE_POLICY);

  const reports: Record<PageName, () => Promise<Report>> = {
    "trial-balance": async () => {
      const { accounts, totals } = trialBalanceLines(
        (await trialBalance(options.readStore, { kind: "current" })).accounts,
      );
      const header = ["account", "currency", "debit", "credit", "balance"];
      const rows = accounts.map((a) => [a.account, a.currency, a.debit, a.credit, a.balance]);
      return {
        title: "Trial balance",
        note: "Every account's debits, credits and balance (debit − credit) now; the totals per currency are zero.",
        tables: [
          { header, numeric: [2, 3, 4], rows },
          {
            caption: "Totals",
            header: ["currency", "debit", "credit", "balance"],
            numeric: [1, 2, 3],
            rows: totals.map((t) => [t.currency, t.debit, t.credit, t.balance]),
          },
        ],
        csv: { header, rows },
      };
    },
    days: async () => {
      const rows = [];
      for (const currency of currencies)
        rows.push(...dayRows((await options.close.closesOf(currency)).map(dayCloseToApi)));
      return {
        title: "Daily close",
        note: "Closed days per currency and account class: opening, debits, credits, closing (POST /v1/recon/days/{day}/close closes a day).",
        tables: [{ header: DAYS_HEADER, numeric: [3, 4, 5, 6], rows }],
        csv: { header: DAYS_HEADER, rows },
      };
    },
    aging: async () => {
      const body = await agingReport(options, options.now(), undefined);
      const rows = agingRows(body);
      return {
        title: "Aging",
        note: `Receivables by days past due, as of ${body.at}.`,
        tables: [{ header: AGING_HEADER, numeric: [3, 4, 5, 6, 7, 8], rows }],
        csv: { header: AGING_HEADER, rows },
      };
    },
    "bank-statements": async () => {
      const tables: Table[] = [];
      const rows: (readonly CsvValue[])[] = [];
      for (const s of await listStatements(options.readStore, STATEMENTS_SHOWN)) {
        const report = await options.statements.report(s.statementId);
        const exceptions = report === undefined ? [] : exceptionRows(statementReportToApi(report));
        rows.push(...exceptions.map((r) => [s.statementId, ...r]));
        tables.push({
          caption: `${s.from} to ${s.to}: ${s.lineCount} lines, ${s.summary.matched} matched, ${s.summary.amountMismatches} amount mismatches, ${s.summary.unmatchedLines} unmatched lines, ${s.summary.unmatchedMovements} unmatched ledger movements (statement ${s.statementId.slice(0, 12)}…)`,
          header: EXCEPTIONS_HEADER,
          numeric: [2, 6, 10],
          rows: exceptions.map((r) => r.map((c) => (c === undefined ? "" : c))),
        });
      }
      return {
        title: "Bank statements",
        note: `The exceptions of the ${STATEMENTS_SHOWN} latest imported statements: lines and ledger movements that did not match (POST /v1/recon/bank-statements imports one).`,
        tables,
        csv: { header: ["statement_id", ...EXCEPTIONS_HEADER], rows },
      };
    },
  };

  const typed = app.withTypeProvider<ZodTypeProvider>();
  // A wrong key on the sign-in form is a failed authentication like a wrong Bearer key (auth-failures.ts).
  const failures = authFailuresOf(app);
  typed.get("/", { schema: hidden }, (request, reply) =>
    reply
      .code(303)
      .header("location", signedIn(request) ? `${base}/trial-balance` : `${base}/login`)
      .send(),
  );
  typed.get("/login", { schema: hidden }, (request, reply) =>
    page(reply, 200, loginPage(base, sessions.csrf(request, reply), undefined)),
  );
  typed.post(
    "/login",
    { schema: { ...hidden, body: form.extend({ key: z.string().max(512).default("") }) } },
    (request, reply) => {
      const csrf = sessions.csrf(request, reply);
      if (sessions.forged(request, request.body.csrf))
        return page(
          reply,
          403,
          loginPage(base, csrf, "This form was not sent from this page; open it again."),
        );
      const client = authClient(request);
      const wait = refuseWhenLimited(failures, client, reply);
      if (wait !== undefined) {
        const why = `Too many failed sign-ins from this address: try again in ${wait} seconds.`;
        return page(reply, 429, loginPage(base, csrf, why));
      }
      if (!rolesOfKey(options.apiKeys, request.body.key)?.has("finance")) {
        failures.failed(client);
        request.log.info("finance page: sign-in refused");
        return page(reply, 401, loginPage(base, csrf, "That is not an API key with the finance role."));
      }
      sessions.write(request, reply, {
        role: "finance",
        expiresAtMs: options.now().getTime() + SESSION_SECONDS * 1000,
      });
      return reply.code(303).header("location", `${base}/trial-balance`).send();
    },
  );
  typed.post("/logout", { schema: { ...hidden, body: form } }, (request, reply) => {
    if (!sessions.forged(request, request.body.csrf)) sessions.clear(request, reply);
    return toLogin(reply);
  });
  for (const [name, report] of Object.entries(reports)) {
    typed.get(`/${name}`, { schema: hidden }, async (request, reply) => {
      if (!signedIn(request)) return toLogin(reply);
      const r = await report();
      const nav = { base, csrf: sessions.csrf(request, reply) };
      return page(
        reply,
        200,
        reportPage(r.title, nav, { note: r.note, tables: r.tables, csv: `${base}/${name}.csv` }),
      );
    });
    typed.get(`/${name}.csv`, { schema: hidden }, async (request, reply) => {
      if (!signedIn(request)) return toLogin(reply);
      const { csv } = await report();
      return sendCsv(reply, `${name}.csv`, toCsv(csv.header, csv.rows));
    });
  }
}
