import { type EventEnvelope, streamKind } from "../../../contracts/envelope.ts";
import { DISBURSAL_STATUSES, type DisbursalStatus } from "../../ledger/disbursal/disbursal.decider.ts";
import { disbursalCodec } from "../../ledger/disbursal/disbursal.events.ts";
import type { ReadStore, Statement } from "../../platform/readstore/port.ts";
import { type Projection, sql } from "../../platform/readstore/projection.ts";

/**
 * The Partner API's invoices (`IN-<n>`): which stream holds each (for operator moves and repayments, which
 * name the id), its status, and the sandbox timer's deadline (`auto_pay_at`), indexed so the sweep finds the
 * due ones. The deadline itself is in the log (DisbursalInitiated), so a restart loses none.
 */
export const kredmintDisbursalsProjection: Projection = {
  name: "kredmint_disbursals",
  version: 1,
  tables: {
    kredmint_disbursals: {
      columns: `disbursal_id TEXT PRIMARY KEY, stream_id TEXT NOT NULL UNIQUE, partner_id TEXT NOT NULL,
        user_id TEXT NOT NULL, invoice_number TEXT NOT NULL, status TEXT NOT NULL, auto_pay_at TEXT`,
      indexes: ["partner_id", "status, auto_pay_at"],
    },
  },
  handle(envelope: EventEnvelope): Statement[] {
    if (streamKind(envelope.streamId) !== "disbursal") return [];
    const event = disbursalCodec.decode(envelope);
    const status = (value: DisbursalStatus) =>
      sql`UPDATE {{kredmint_disbursals}} SET status = ${value} WHERE stream_id = ${envelope.streamId}`;
    switch (event.type) {
      case "DisbursalRequested": {
        const d = event.data;
        return [
          sql`INSERT INTO {{kredmint_disbursals}} (disbursal_id, stream_id, partner_id, user_id, invoice_number,
                status, auto_pay_at)
              VALUES (${d.disbursalId}, ${envelope.streamId}, ${d.partnerId}, ${d.userId}, ${d.invoiceNumber},
                'Requested', NULL)`,
        ];
      }
      case "DisbursalInitiated":
        return [
          sql`UPDATE {{kredmint_disbursals}} SET status = 'Initiated', auto_pay_at = ${event.data.autoPayAt}
              WHERE stream_id = ${envelope.streamId}`,
        ];
      case "DisbursalVerified":
        return [status("Verified")];
      case "DisbursalApproved":
        return [status("Approved")];
      case "DisbursalPaid":
        return [status("Paid")];
      case "DisbursalFailed":
        return [status("Failed")];
      case "DisbursalCancelled":
        return [status("Cancelled")];
      case "DisbursalCompleted":
        return [status("Completed")];
      case "InvoiceDocumentUploaded":
        return [];
    }
  },
};

export interface DisbursalRow {
  readonly disbursalId: string;
  readonly streamId: string;
  readonly partnerId: string;
  readonly userId: string;
  readonly invoiceNumber: string;
  readonly status: DisbursalStatus;
}

const rowOf = (row: Record<string, unknown>): DisbursalRow => ({
  disbursalId: String(row.disbursal_id),
  streamId: String(row.stream_id),
  partnerId: String(row.partner_id),
  userId: String(row.user_id),
  invoiceNumber: String(row.invoice_number),
  status: DISBURSAL_STATUSES.find((s) => s === row.status) ?? "Requested",
});

const COLUMNS = "disbursal_id, stream_id, partner_id, user_id, invoice_number, status";

/** A disbursal by its IN-<n> id, of one partner only (never another partner's) when `partnerId` is given. */
export async function findDisbursal(
  readStore: ReadStore,
  disbursalId: string,
  partnerId?: string,
): Promise<DisbursalRow | undefined> {
  const [row] = await readStore.query(`SELECT ${COLUMNS} FROM kredmint_disbursals WHERE disbursal_id = ?`, [
    disbursalId,
  ]);
  if (!row || (partnerId !== undefined && row.partner_id !== partnerId)) return undefined;
  return rowOf(row);
}

/** Sandbox disbursals still open whose auto-pay deadline has passed, oldest deadline first. */
export async function dueForAutoPay(
  readStore: ReadStore,
  nowIso: string,
  limit = 50,
): Promise<DisbursalRow[]> {
  const rows = await readStore.query(
    `SELECT ${COLUMNS} FROM kredmint_disbursals
      WHERE status IN ('Initiated', 'Verified', 'Approved') AND auto_pay_at IS NOT NULL AND auto_pay_at <= ?
      ORDER BY auto_pay_at LIMIT ?`,
    [nowIso, limit],
  );
  return rows.map(rowOf);
}
