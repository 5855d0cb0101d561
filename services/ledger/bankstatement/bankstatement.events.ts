import { z } from "zod";
import { type DomainEvents, eventCodec, minorUnits } from "../../../contracts/event-codec.ts";
import { currencies } from "../../../contracts/money.ts";

// `bankstatement-<sha256 of the file>`: one imported bank statement and its reconciliation against what the
// ledger moved through the bank (payouts out, repayments in). Every match and every exception is an event;
// the stream's id is the file's hash, so importing the same file again finds it done.

const direction = z.enum(["credit", "debit"]);

/**
 * What the ledger moved through the bank, by the bank's reference: a payout to a merchant or a paid
 * disbursal (debit), or a repayment (credit).
 */
export const bankMovement = z.object({
  kind: z.enum(["payout", "disbursal", "repayment"]),
  /** The payout's or the repayment's id; a disbursal's `<userId>:<invoiceNumber>`. */
  id: z.string(),
  reference: z.string(),
  direction,
  amountMinor: minorUnits,
  currency: z.enum(currencies),
  effectiveAt: z.string(),
});
export type BankMovement = z.output<typeof bankMovement>;

/** One line of the bank's statement, numbered from 1 after the header. */
export const statementLine = z.object({
  line: z.number().int().min(1),
  /** The value date, YYYY-MM-DD. */
  date: z.string(),
  reference: z.string(),
  direction,
  amountMinor: minorUnits,
  currency: z.enum(currencies),
});
export type StatementLine = z.output<typeof statementLine>;

export const bankStatementEvents = {
  BankStatementImported: {
    schemaVersion: 1,
    data: z.object({
      sha256: z.string(),
      lineCount: z.number().int().min(0),
      /** The statement's first and last value dates: the ledger's movements in between are expected on it. */
      from: z.string(),
      to: z.string(),
    }),
  },
  StatementLineMatched: {
    schemaVersion: 1,
    data: z.object({ statementLine, movement: bankMovement }),
  },
  StatementLineAmountMismatch: {
    schemaVersion: 1,
    data: z.object({ statementLine, movement: bankMovement }),
  },
  StatementLineUnmatched: {
    schemaVersion: 1,
    data: z.object({
      statementLine,
      reason: z.enum(["no_movement_with_reference", "reference_already_matched", "direction_differs"]),
    }),
  },
  LedgerMovementUnmatched: { schemaVersion: 1, data: z.object({ movement: bankMovement }) },
  BankStatementReconciled: {
    schemaVersion: 1,
    data: z.object({
      matched: z.number().int(),
      amountMismatches: z.number().int(),
      unmatchedLines: z.number().int(),
      unmatchedMovements: z.number().int(),
    }),
  },
};

export type BankStatementEvent = DomainEvents<typeof bankStatementEvents>;
export const bankStatementCodec = eventCodec(bankStatementEvents);
