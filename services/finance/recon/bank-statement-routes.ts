import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { sendProblem } from "../../http/problem-details.ts";
import type { BankMovement, StatementLine } from "../../ledger/bankstatement/bankstatement.events.ts";
import type { ReadStore } from "../../platform/readstore/port.ts";
import { decimal } from "../decimal.ts";
import { amount } from "../reports/wire.ts";
import {
  type BankStatements,
  listStatements,
  STATEMENT_COLUMNS,
  STATEMENT_MAX_BYTES,
  STATEMENT_MAX_LINES,
  type StatementException,
  StatementRefused,
  type StatementReport,
} from "./bank-statements.ts";
import { sendCsv, toCsv, wantsCsv } from "./csv.ts";

const lineSchema = z.object({
  line: z.number().int(),
  date: z.string(),
  reference: z.string(),
  direction: z.enum(["credit", "debit"]),
  amount,
  currency: z.string(),
});
const movementSchema = z.object({
  kind: z.enum(["payout", "disbursal", "repayment"]),
  id: z.string(),
  reference: z.string(),
  direction: z.enum(["credit", "debit"]),
  amount,
  currency: z.string(),
  effectiveAt: z.string(),
});
const reportSchema = z.object({
  statementId: z.string().describe("the file's sha256: the same file imported again is this statement"),
  from: z.string(),
  to: z.string(),
  lineCount: z.number().int(),
  summary: z.object({
    matched: z.number().int(),
    amountMismatches: z.number().int(),
    unmatchedLines: z.number().int(),
    unmatchedMovements: z.number().int(),
  }),
  exceptions: z.array(
    z.object({
      kind: z.enum(["amount_mismatch", "unmatched_line", "unmatched_movement"]),
      reason: z.string().optional(),
      line: lineSchema.optional(),
      movement: movementSchema.optional(),
    }),
  ),
});

const lineToApi = (l: StatementLine) => ({
  ...l,
  amountMinor: undefined,
  amount: decimal(l.amountMinor, l.currency),
});
const movementToApi = (m: BankMovement) => ({
  ...m,
  amountMinor: undefined,
  amount: decimal(m.amountMinor, m.currency),
});

function exceptionToApi(e: StatementException) {
  switch (e.kind) {
    case "amount_mismatch":
      return { kind: e.kind, line: lineToApi(e.line), movement: movementToApi(e.movement) };
    case "unmatched_line":
      return { kind: e.kind, reason: e.reason, line: lineToApi(e.line) };
    case "unmatched_movement":
      return { kind: e.kind, movement: movementToApi(e.movement) };
  }
}

export const statementReportToApi = (r: StatementReport) => ({
  ...r,
  exceptions: r.exceptions.map(exceptionToApi),
});

export const EXCEPTIONS_HEADER = [
  "kind",
  "reason",
  "line",
  "date",
  "reference",
  "direction",
  "statement_amount",
  "currency",
  "movement_kind",
  "movement_id",
  "ledger_amount",
  "effective_at",
];

/** A statement's exceptions, one row each (the CSV's, and the finance page's table). */
export function exceptionRows(report: z.output<typeof reportSchema>) {
  return report.exceptions.map((e) => [
    e.kind,
    e.reason,
    e.line?.line,
    e.line?.date,
    e.line?.reference ?? e.movement?.reference,
    e.line?.direction ?? e.movement?.direction,
    e.line?.amount,
    e.line?.currency ?? e.movement?.currency,
    e.movement?.kind,
    e.movement?.id,
    e.movement?.amount,
    e.movement?.effectiveAt,
  ]);
}

/** `POST /recon/bank-statements` (a CSV), `GET /recon/bank-statements` and `GET /recon/bank-statements/:statementId`. */
export async function bankStatementRoutes(
  app: FastifyInstance,
  options: { readonly statements: BankStatements; readonly readStore: ReadStore },
) {
  app.addContentTypeParser("text/csv", { parseAs: "string" }, (_request, body, done) => done(null, body));
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.post(
    "/recon/bank-statements",
    {
      // Before the body is read: a caller without the role learns nothing about its statement.
      onRequest: app.requireRole("finance"),
      bodyLimit: STATEMENT_MAX_BYTES,
      config: { problems: ["bank_statement_invalid", "journal_behind"] },
      schema: {
        tags: ["recon"],
        summary: "Import a bank statement (CSV) and match it against payouts and repayments",
        description:
          `\`Content-Type: text/csv\`, a header naming the columns ${STATEMENT_COLUMNS.join(", ")} (any order), ` +
          `then at most ${STATEMENT_MAX_LINES} lines: \`date\` YYYY-MM-DD, \`amount\` a positive decimal in ` +
          "`currency` (VND or INR), `reference` the bank's reference (UTR), `direction` `credit` (money in) or " +
          "`debit` (money out). Each line is matched by reference to a payout (debit) or a repayment (credit): " +
          "matched, amount mismatch, or unmatched; the ledger's movements within the statement's dates that no " +
          "line matched are reported too. Every outcome is an event on `bankstatement-<sha256>`: the same file " +
          "again answers 200 with the same report and records nothing.",
        body: z.string(),
        response: { 200: reportSchema, 201: reportSchema },
      },
    },
    async (request, reply) => {
      const caller = { actor: "finance", correlationId: request.correlationId, causationId: request.id };
      let imported: Awaited<ReturnType<BankStatements["import"]>>;
      try {
        imported = await options.statements.import(request.body, caller);
      } catch (error) {
        if (!(error instanceof StatementRefused)) throw error;
        return sendProblem(request, reply, "bank_statement_invalid", {
          detail: error.message,
          param: "body",
        });
      }
      if (imported.outcome === "journal_behind") return sendProblem(request, reply, "journal_behind");
      const report = await options.statements.report(imported.statementId);
      if (!report) throw new Error(`statement ${imported.statementId} was reconciled but has no events`);
      return reply.code(imported.outcome === "imported" ? 201 : 200).send(statementReportToApi(report));
    },
  );
  typed.get(
    "/recon/bank-statements",
    {
      onRequest: app.requireRole("finance"),
      schema: {
        tags: ["recon"],
        summary: "The imported bank statements, newest first, with their counts",
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
        response: {
          200: z.object({
            statements: z.array(
              reportSchema
                .omit({ exceptions: true })
                .extend({ importedAt: z.string(), reconciled: z.boolean() }),
            ),
          }),
        },
      },
    },
    async (request) => ({ statements: await listStatements(options.readStore, request.query.limit) }),
  );
  typed.get(
    "/recon/bank-statements/:statementId",
    {
      onRequest: app.requireRole("finance"),
      config: { problems: ["bank_statement_not_found"] },
      schema: {
        tags: ["recon"],
        summary: "An imported bank statement's summary and exceptions (`Accept: text/csv`: the exceptions)",
        params: z.object({ statementId: z.string().min(1).max(64) }),
        response: { 200: reportSchema },
      },
    },
    async (request, reply) => {
      const { statementId } = request.params;
      const report = /^[0-9a-f]{64}$/.test(statementId)
        ? await options.statements.report(statementId)
        : undefined;
      if (!report) {
        return sendProblem(request, reply, "bank_statement_not_found", {
          detail: `no statement ${statementId}; its id is the sha256 of the file, as the import answered`,
          param: "statementId",
        });
      }
      const body = statementReportToApi(report);
      if (!wantsCsv(request)) return body;
      return sendCsv(
        reply,
        `bank-statement-${statementId}.csv`,
        toCsv(EXCEPTIONS_HEADER, exceptionRows(body)),
      );
    },
  );
}
