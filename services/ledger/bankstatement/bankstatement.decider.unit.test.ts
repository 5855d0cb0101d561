import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fold } from "../decider.ts";
import { spec, testMeta } from "../testing/decider-spec.ts";
import { type BankStatementCommand, bankStatementDecider } from "./bankstatement.decider.ts";
import type { BankMovement, BankStatementEvent, StatementLine } from "./bankstatement.events.ts";

const payout = (
  id: string,
  reference: string,
  amountMinor: bigint,
  effectiveAt = "2026-12-01T09:00:00Z",
): BankMovement => ({
  kind: "payout",
  id,
  reference,
  direction: "debit",
  amountMinor,
  currency: "VND",
  effectiveAt,
});
const line = (
  n: number,
  reference: string,
  amountMinor: bigint,
  direction: "credit" | "debit" = "debit",
): StatementLine => ({
  line: n,
  date: "2026-12-01",
  reference,
  direction,
  amountMinor,
  currency: "VND",
});
const reconcile = (
  lines: StatementLine[],
  movements: BankMovement[],
  batch = 1000,
): BankStatementCommand => ({
  type: "Reconcile",
  sha256: "f".repeat(64),
  lines,
  movements,
  batch,
});
const imported = (lineCount: number): BankStatementEvent => ({
  type: "BankStatementImported",
  data: { sha256: "f".repeat(64), lineCount, from: "2026-12-01", to: "2026-12-01" },
});

describe("bank statement", () => {
  describe("when new", () => {
    it("matches by reference and amount, flags a different amount, and reports both sides' leftovers", () => {
      const p1 = payout("p1", "UTR1", 100n);
      const p2 = payout("p2", "UTR2", 200n);
      const p3 = payout("p3", "UTR3", 300n);
      const outOfRange = payout("p4", "UTR4", 400n, "2026-11-01T00:00:00Z");
      const lines = [
        line(1, "UTR1", 100n),
        line(2, "UTR2", 250n),
        line(3, "UTR9", 5n),
        line(4, "UTR1", 100n),
      ];
      spec(bankStatementDecider)
        .given([])
        .when(reconcile(lines, [p1, p2, p3, outOfRange]))
        .yields([
          imported(4),
          { type: "StatementLineMatched", data: { statementLine: lines[0]!, movement: p1 } },
          { type: "StatementLineAmountMismatch", data: { statementLine: lines[1]!, movement: p2 } },
          {
            type: "StatementLineUnmatched",
            data: { statementLine: lines[2]!, reason: "no_movement_with_reference" },
          },
          {
            type: "StatementLineUnmatched",
            data: { statementLine: lines[3]!, reason: "reference_already_matched" },
          },
          { type: "LedgerMovementUnmatched", data: { movement: p3 } },
          {
            type: "BankStatementReconciled",
            data: { matched: 1, amountMismatches: 1, unmatchedLines: 2, unmatchedMovements: 1 },
          },
        ]);
    });

    it("does not match money in the other direction", () => {
      const lines = [line(1, "UTR1", 100n, "credit")];
      const events = bankStatementDecider.decide(
        reconcile(lines, [payout("p1", "UTR1", 100n)]),
        bankStatementDecider.initialState,
        testMeta,
      );
      expect(events[1]).toEqual({
        type: "StatementLineUnmatched",
        data: { statementLine: lines[0]!, reason: "direction_differs" },
      });
    });

    it("refuses a statement without lines", () => {
      spec(bankStatementDecider).given([]).when(reconcile([], [])).rejects("statement_must_have_lines");
    });
  });

  describe("when reconciled", () => {
    it("decides nothing for the same file again", () => {
      const lines = [line(1, "UTR1", 100n)];
      const done = bankStatementDecider.decide(
        reconcile(lines, []),
        bankStatementDecider.initialState,
        testMeta,
      );
      spec(bankStatementDecider).given(done).when(reconcile(lines, [])).yields([]);
    });
  });

  describe("when half reconciled", () => {
    it("refuses another file under the same hash", () => {
      spec(bankStatementDecider)
        .given([imported(3)])
        .when(reconcile([line(1, "UTR1", 1n)], []))
        .rejects("statement_must_not_change");
    });
  });

  it("in batches, reconciles every line exactly once, whatever the batch size", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.bigInt({ min: 1n, max: 3n })), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.integer({ min: 1, max: 7 }),
        (rows, batch) => {
          const lines = rows.map(([ref, amount], i) => line(i + 1, `UTR${ref}`, amount));
          const movements = [0, 1, 2, 3].map((ref) => payout(`p${ref}`, `UTR${ref}`, 2n));
          const history: BankStatementEvent[] = [];
          for (let step = 0; step < 1000; step++) {
            const next = bankStatementDecider.decide(
              reconcile(lines, movements, batch),
              fold(bankStatementDecider, history),
              testMeta,
            );
            if (next.length === 0) break;
            history.push(...next);
          }
          const oneShot = bankStatementDecider.decide(
            reconcile(lines, movements, 10_000),
            bankStatementDecider.initialState,
            testMeta,
          );
          expect(history).toEqual(oneShot);
          expect(fold(bankStatementDecider, history).reconciled).toBe(true);
        },
      ),
    );
  });
});
