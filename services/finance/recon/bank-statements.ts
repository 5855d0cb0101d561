import { parse } from "csv-parse/sync";
import { z } from "zod";
import { currencies, parseMoney } from "../../../contracts/money.ts";
import {
  bankStatementDecider,
  bankStatementStream,
} from "../../ledger/bankstatement/bankstatement.decider.ts";
import {
  type BankMovement,
  type BankStatementEvent,
  bankStatementCodec,
  type StatementLine,
} from "../../ledger/bankstatement/bankstatement.events.ts";
import { type Caller, invariant } from "../../ledger/decider.ts";
import { commandHandler } from "../../platform/command-handler.ts";
import { sha256Hex } from "../../platform/digest.ts";
import type { EventStore } from "../../platform/eventstore/port.ts";
import { streamEvents } from "../../platform/eventstore/stream-events.ts";
import type { ReadStore } from "../../platform/readstore/port.ts";
import { big } from "../queries.ts";

// Bank statement matching: a CSV of the bank's statement (date, amount, currency, reference, direction),
// reconciled against what the ledger moved through the bank (read-models/bank-movements.ts) by the
// bankstatement decider. The file's sha256 names its stream, so the same file imported again changes nothing.

/** The most lines one statement may have (a longer one is split by date). */
export const STATEMENT_MAX_LINES = 100_000;
/** The largest statement file. */
export const STATEMENT_MAX_BYTES = 16 * 1024 * 1024;
/** Events per append: well inside the event store's limit, so a statement of any length fits in a few. */
const BATCH = 5_000;

export const STATEMENT_COLUMNS = ["date", "amount", "currency", "reference", "direction"] as const;

/** A statement the caller must correct: `detail` says where (`line 3: amount: …`). */
export class StatementRefused extends Error {
  override name = "StatementRefused";
}

const row = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must_be_a_date_YYYY-MM-DD"),
  amount: z.string(),
  currency: z.enum(currencies, { error: `must_be_one_of_${currencies.join("_")}` }),
  reference: z.string().min(1, "must_not_be_empty").max(200, "too_long:max_200_characters"),
  direction: z.enum(["credit", "debit"], { error: "must_be_credit_or_debit" }),
});

/** The statement's lines, numbered from 1 after the header; the first bad line is refused with its number. */
export function parseStatement(csv: string): StatementLine[] {
  let records: Record<string, string>[];
  try {
    records = parse(csv, {
      bom: true,
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
    });
  } catch (error) {
    throw new StatementRefused(
      `the file is not CSV: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (records.length === 0) throw new StatementRefused("the statement has no lines after its header");
  if (records.length > STATEMENT_MAX_LINES) {
    throw new StatementRefused(`at most ${STATEMENT_MAX_LINES} lines per statement; split it by date`);
  }
  const missing = STATEMENT_COLUMNS.filter((column) => !(column in records[0]!));
  if (missing.length > 0) {
    throw new StatementRefused(
      `the header must name the columns ${STATEMENT_COLUMNS.join(", ")}; missing ${missing.join(", ")}`,
    );
  }
  return records.map((record, i) => {
    const parsed = row.safeParse(record);
    if (!parsed.success) {
      const [issue] = parsed.error.issues;
      throw new StatementRefused(`line ${i + 1}: ${String(issue?.path[0])}: ${issue?.message}`);
    }
    const { date, amount, currency, reference, direction } = parsed.data;
    const money = parseMoney(amount, currency);
    if (!money.ok) throw new StatementRefused(`line ${i + 1}: amount: ${money.rule}`);
    if (money.value.amountMinor <= 0n)
      throw new StatementRefused(`line ${i + 1}: amount: amount_must_be_positive`);
    return { line: i + 1, date, reference, direction, amountMinor: money.value.amountMinor, currency };
  });
}

const MOVEMENT_KINDS: readonly BankMovement["kind"][] = ["payout", "disbursal", "repayment"];

/** The journal writes only these kinds; anything else in a row is a bug. */
function movementKind(value: unknown): BankMovement["kind"] {
  const kind = MOVEMENT_KINDS.find((k) => k === value);
  invariant(kind !== undefined, `bank_movements holds an unknown kind ${String(value)}`);
  return kind;
}

async function bankMovements(readStore: ReadStore): Promise<BankMovement[]> {
  const rows = await readStore.query(
    "SELECT kind, id, reference, direction, amount_minor, currency, effective_at FROM bank_movements ORDER BY movement_id",
  );
  return rows.map((r) => ({
    kind: movementKind(r.kind),
    id: String(r.id),
    reference: String(r.reference),
    direction: r.direction === "debit" ? "debit" : "credit",
    amountMinor: big(r.amount_minor),
    currency: r.currency === "INR" ? "INR" : "VND",
    effectiveAt: String(r.effective_at),
  }));
}

export interface BankStatementDeps {
  readonly store: EventStore;
  readonly readStore: ReadStore;
  /** Resolves true once the journal (bank_movements is its table) has applied `position`. */
  readonly waitForJournal: (position: string) => Promise<boolean>;
  readonly now: () => Date;
}

export type Imported =
  | { readonly outcome: "imported" | "already_imported"; readonly statementId: string }
  | { readonly outcome: "journal_behind" };

export function bankStatements(deps: BankStatementDeps) {
  const statements = commandHandler(deps.store, bankStatementDecider, bankStatementCodec);
  return {
    /** Reconciles the file once; the same file again finds its stream reconciled and appends nothing. */
    async import(csv: string, caller: Caller): Promise<Imported> {
      const sha256 = sha256Hex(csv);
      const streamId = bankStatementStream(sha256);
      const lines = parseStatement(csv);
      let known = await statements.load(streamId);
      if (known.state.reconciled) return { outcome: "already_imported", statementId: sha256 };
      if (!(await deps.waitForJournal(await deps.store.headPosition()))) return { outcome: "journal_behind" };
      const movements = await bankMovements(deps.readStore);
      const meta = { ...caller, now: deps.now().toISOString(), tenantId: "finance" };
      const command = { type: "Reconcile" as const, sha256, lines, movements, batch: BATCH };
      // Each batch decides on the state the last one answered: reloading the stream per batch folded up to
      // 100,000 events 20 times over. The append still expects the revision, so an import racing this one
      // makes it reload and decide again, never record a line twice.
      for (;;) {
        const handled = await statements.handle(streamId, command, meta, known);
        if (handled.events.length === 0) return { outcome: "imported", statementId: sha256 };
        known = handled;
      }
    },

    /** A reconciled statement's summary and exceptions, read from its stream; undefined if never imported. */
    async report(statementId: string): Promise<StatementReport | undefined> {
      const events: BankStatementEvent[] = [];
      for await (const envelope of streamEvents(deps.store, bankStatementStream(statementId))) {
        events.push(bankStatementCodec.decode(envelope));
      }
      return events.length === 0 ? undefined : statementReport(statementId, events);
    },
  };
}

export type BankStatements = ReturnType<typeof bankStatements>;

export type StatementException =
  | { readonly kind: "amount_mismatch"; readonly line: StatementLine; readonly movement: BankMovement }
  | { readonly kind: "unmatched_line"; readonly line: StatementLine; readonly reason: string }
  | { readonly kind: "unmatched_movement"; readonly movement: BankMovement };

export interface StatementReport {
  readonly statementId: string;
  readonly from: string;
  readonly to: string;
  readonly lineCount: number;
  readonly summary: {
    matched: number;
    amountMismatches: number;
    unmatchedLines: number;
    unmatchedMovements: number;
  };
  readonly exceptions: readonly StatementException[];
}

export function statementReport(statementId: string, events: readonly BankStatementEvent[]): StatementReport {
  let from = "";
  let to = "";
  let lineCount = 0;
  let summary: StatementReport["summary"] = {
    matched: 0,
    amountMismatches: 0,
    unmatchedLines: 0,
    unmatchedMovements: 0,
  };
  const exceptions: StatementException[] = [];
  for (const event of events) {
    switch (event.type) {
      case "BankStatementImported":
        ({ from, to, lineCount } = event.data);
        break;
      case "StatementLineAmountMismatch":
        exceptions.push({
          kind: "amount_mismatch",
          line: event.data.statementLine,
          movement: event.data.movement,
        });
        break;
      case "StatementLineUnmatched":
        exceptions.push({
          kind: "unmatched_line",
          line: event.data.statementLine,
          reason: event.data.reason,
        });
        break;
      case "LedgerMovementUnmatched":
        exceptions.push({ kind: "unmatched_movement", movement: event.data.movement });
        break;
      case "BankStatementReconciled":
        summary = event.data;
        break;
      default:
        break;
    }
  }
  return { statementId, from, to, lineCount, summary, exceptions };
}

export interface StatementSummary {
  readonly statementId: string;
  readonly importedAt: string;
  readonly from: string;
  readonly to: string;
  readonly lineCount: number;
  readonly reconciled: boolean;
  readonly summary: StatementReport["summary"];
}

/** The imported statements, newest first (read-models/bank-statements.ts). */
export async function listStatements(readStore: ReadStore, limit: number): Promise<StatementSummary[]> {
  const rows = await readStore.query(
    "SELECT * FROM bank_statements ORDER BY imported_at DESC, statement_id LIMIT ?",
    [limit],
  );
  return rows.map((r) => ({
    statementId: String(r.statement_id),
    importedAt: String(r.imported_at),
    from: String(r.from_day),
    to: String(r.to_day),
    lineCount: Number(r.line_count),
    reconciled: Number(r.reconciled) === 1,
    summary: {
      matched: Number(r.matched),
      amountMismatches: Number(r.amount_mismatches),
      unmatchedLines: Number(r.unmatched_lines),
      unmatchedMovements: Number(r.unmatched_movements),
    },
  }));
}
