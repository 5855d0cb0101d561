import { type Decider, invariant, Rejection, unhandled } from "../decider.ts";
import { newestFirst, type PersistentList, prepend } from "../persistent-list.ts";
import type { BankMovement, BankStatementEvent, StatementLine } from "./bankstatement.events.ts";

/** Every rule Reconcile can break, in precedence order. */
export type BankStatementRule = "statement_must_have_lines" | "statement_must_not_change";

export type BankStatementCommand = {
  readonly type: "Reconcile";
  readonly sha256: string;
  readonly lines: readonly StatementLine[];
  /** What the ledger moved through the bank, read when the statement is imported. */
  readonly movements: readonly BankMovement[];
  /** The most events one decision may return: a long statement is reconciled over several appends. */
  readonly batch: number;
};

export interface BankStatementState {
  readonly sha256: string | undefined;
  readonly lineCount: number;
  /** Lines reconciled so far: they are reconciled in order, each once. */
  readonly linesDone: number;
  /** `kind:id` of the movements a line of this statement matched (a movement matches one line). */
  readonly matched: MatchedMovements;
  readonly counts: {
    matched: number;
    amountMismatches: number;
    unmatchedLines: number;
    unmatchedMovements: number;
  };
  readonly reconciled: boolean;
}

/** The matched movements' keys, newest first: a statement of 100,000 lines folds in linear time. */
type MatchedMovements = PersistentList<string>;

const matchedKeys = (matched: MatchedMovements): Set<string> => new Set(newestFirst(matched));

const movementKey = (m: BankMovement) => `${m.kind}:${m.id}`;
const day = (iso: string) => iso.slice(0, 10);

type LineOutcome = Extract<
  BankStatementEvent,
  { type: "StatementLineMatched" | "StatementLineAmountMismatch" | "StatementLineUnmatched" }
>;

/** The outcome of one line, given the movements already matched. */
function reconcileLine(
  line: StatementLine,
  byReference: ReadonlyMap<string, BankMovement>,
  matched: ReadonlySet<string>,
): LineOutcome {
  const movement = byReference.get(`${line.currency}:${line.reference}`);
  if (!movement) {
    return {
      type: "StatementLineUnmatched",
      data: { statementLine: line, reason: "no_movement_with_reference" },
    };
  }
  if (matched.has(movementKey(movement))) {
    return {
      type: "StatementLineUnmatched",
      data: { statementLine: line, reason: "reference_already_matched" },
    };
  }
  if (movement.direction !== line.direction) {
    return { type: "StatementLineUnmatched", data: { statementLine: line, reason: "direction_differs" } };
  }
  const type =
    movement.amountMinor === line.amountMinor ? "StatementLineMatched" : "StatementLineAmountMismatch";
  return { type, data: { statementLine: line, movement } };
}

/**
 * Reconciles the next batch: first the import, then the lines in order, then the ledger's movements within the
 * statement's dates that no line matched, then the summary. Called until it returns nothing, so a statement of
 * any length is reconciled exactly once per line, and a crash in between resumes where the log says.
 */
function reconcile(command: BankStatementCommand, state: BankStatementState): BankStatementEvent[] {
  if (state.reconciled) return [];
  if (command.lines.length === 0) throw new Rejection<BankStatementRule>("statement_must_have_lines");
  if (
    state.sha256 !== undefined &&
    (state.sha256 !== command.sha256 || state.lineCount !== command.lines.length)
  ) {
    throw new Rejection<BankStatementRule>("statement_must_not_change");
  }
  const events: BankStatementEvent[] = [];
  const dates = command.lines.map((l) => l.date).sort();
  const from = dates[0]!;
  const to = dates[dates.length - 1]!;
  if (state.sha256 === undefined) {
    events.push({
      type: "BankStatementImported",
      data: { sha256: command.sha256, lineCount: command.lines.length, from, to },
    });
  }
  const byReference = new Map(command.movements.map((m) => [`${m.currency}:${m.reference}`, m]));
  const matched = matchedKeys(state.matched);
  for (const line of command.lines.slice(state.linesDone)) {
    if (events.length >= command.batch) return events;
    const outcome = reconcileLine(line, byReference, matched);
    if (outcome.type !== "StatementLineUnmatched") matched.add(movementKey(outcome.data.movement));
    events.push(outcome);
  }
  // The ledger's movements within the statement's dates that no line matched, in a stable order; those
  // reported already (state.counts.unmatchedMovements) are skipped.
  const expected = command.movements
    .filter((m) => day(m.effectiveAt) >= from && day(m.effectiveAt) <= to && !matched.has(movementKey(m)))
    .sort((a, b) => (movementKey(a) < movementKey(b) ? -1 : 1));
  for (const movement of expected.slice(state.counts.unmatchedMovements)) {
    if (events.length >= command.batch) return events;
    events.push({ type: "LedgerMovementUnmatched", data: { movement } });
  }
  const counts = events.reduce((c, e) => countOf(c, e), state.counts);
  events.push({ type: "BankStatementReconciled", data: counts });
  return events;
}

type Counts = BankStatementState["counts"];
function countOf(counts: Counts, event: BankStatementEvent): Counts {
  switch (event.type) {
    case "StatementLineMatched":
      return { ...counts, matched: counts.matched + 1 };
    case "StatementLineAmountMismatch":
      return { ...counts, amountMismatches: counts.amountMismatches + 1 };
    case "StatementLineUnmatched":
      return { ...counts, unmatchedLines: counts.unmatchedLines + 1 };
    case "LedgerMovementUnmatched":
      return { ...counts, unmatchedMovements: counts.unmatchedMovements + 1 };
    default:
      return counts;
  }
}

export const bankStatementDecider: Decider<BankStatementCommand, BankStatementEvent, BankStatementState> = {
  initialState: {
    sha256: undefined,
    lineCount: 0,
    linesDone: 0,
    matched: undefined,
    counts: { matched: 0, amountMismatches: 0, unmatchedLines: 0, unmatchedMovements: 0 },
    reconciled: false,
  },
  decide(command, state) {
    switch (command.type) {
      case "Reconcile":
        return reconcile(command, state);
      default:
        return unhandled(command.type);
    }
  },
  evolve(state, event) {
    const counts = countOf(state.counts, event);
    switch (event.type) {
      case "BankStatementImported":
        invariant(state.sha256 === undefined, "a statement is imported once");
        return { ...state, sha256: event.data.sha256, lineCount: event.data.lineCount };
      case "StatementLineMatched":
      case "StatementLineAmountMismatch":
        invariant(event.data.statementLine.line === state.linesDone + 1, "lines are reconciled in order");
        return {
          ...state,
          counts,
          linesDone: state.linesDone + 1,
          matched: prepend(state.matched, movementKey(event.data.movement)),
        };
      case "StatementLineUnmatched":
        invariant(event.data.statementLine.line === state.linesDone + 1, "lines are reconciled in order");
        return { ...state, counts, linesDone: state.linesDone + 1 };
      case "LedgerMovementUnmatched":
        invariant(state.linesDone === state.lineCount, "movements are reconciled after every line");
        return { ...state, counts };
      case "BankStatementReconciled":
        invariant(state.linesDone === state.lineCount, "a statement is reconciled once every line is");
        return { ...state, reconciled: true };
      default:
        return unhandled(event);
    }
  },
};

export const bankStatementStream = (sha256: string) => `bankstatement-${sha256}`;
