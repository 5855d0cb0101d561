import type { EventEnvelope } from "../../../contracts/envelope.ts";
import type { BankMovement } from "../../ledger/bankstatement/bankstatement.events.ts";
import { creditLineKeyOf } from "../../ledger/creditline/creditline.stream.ts";
import type { JournalEvent } from "../../ledger/journal/postings.ts";
import type { SqlValue } from "../../platform/readstore/port.ts";
import { once, placeholders } from "./multi-row.ts";

/**
 * `bank_movements`, a table of the journal projection: what the ledger moved through the bank, by the bank's
 * reference (UTR): each payout to a merchant and each paid Partner API disbursal (money out, `debit` on our
 * statement) and each repayment (money in, `credit`). Bank statement matching reads it (recon/bank-statements.ts) once the journal has reached the
 * log head, so it is the journal's, read at the journal's position.
 */
export const bankMovementsTable = {
  columns: `movement_id TEXT PRIMARY KEY, kind TEXT NOT NULL, id TEXT NOT NULL, reference TEXT NOT NULL,
    direction TEXT NOT NULL, amount_minor BIGINT NOT NULL, currency TEXT NOT NULL, effective_at TEXT NOT NULL`,
  queryIndexes: ["effective_at"],
};

/** The event's bank movement row, if it moved money through the bank. */
export function bankMovementRow(envelope: EventEnvelope, decoded: JournalEvent): SqlValue[] | undefined {
  if (decoded.stream === "merchant" && decoded.event.type === "PayoutMade") {
    const d = decoded.event.data;
    return movement("payout", d.payoutId, d.bankReference, "debit", d.amountMinor, d.currency, d.paidAt);
  }
  if (decoded.stream === "disbursal" && decoded.event.type === "DisbursalPaid") {
    const d = decoded.event.data;
    // A disbursal's stream names it (`disbursal-<userId>:<invoiceNumber>`); the money left on its UTR.
    const id = envelope.streamId.slice("disbursal-".length);
    return movement("disbursal", id, d.utr, "debit", d.amountMinor, "INR", d.paidAt);
  }
  if (decoded.stream === "creditline" && decoded.event.type === "RepaymentApplied") {
    const d = decoded.event.data;
    const { currency } = creditLineKeyOf(envelope.streamId);
    return movement(
      "repayment",
      d.repaymentId,
      d.bankReference,
      "credit",
      d.amountMinor,
      currency,
      d.receivedAt,
    );
  }
  return undefined;
}

function movement(
  kind: BankMovement["kind"],
  id: string,
  reference: string,
  direction: "credit" | "debit",
  amountMinor: bigint,
  currency: string,
  effectiveAt: string,
): SqlValue[] {
  return [`${kind}:${id}`, kind, id, reference, direction, amountMinor, currency, effectiveAt];
}

/** Rows of bankMovementRow; a movement already there stays as it is (both engines keep the first of a statement). */
export const insertMovementsSql = (rows: number) =>
  once(`movements:${rows}`, () => {
    return `INSERT INTO {{bank_movements}} (movement_id, kind, id, reference, direction, amount_minor, currency,
            effective_at) VALUES ${placeholders(8, rows)} ON CONFLICT (movement_id) DO NOTHING`;
  });
