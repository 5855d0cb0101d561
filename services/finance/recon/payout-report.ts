import { invariant } from "../../ledger/decider.ts";
import type { ReadStore, Row } from "../../platform/readstore/port.ts";
import { big, type PayoutRow, toPayout } from "../queries.ts";

// The payout reconciliation report: each payout with every line it covers, the columns payment providers
// give merchants (category, the transaction, gross, fee, net), so that the lines of a payout sum to it.
//   settlement    a settled transaction: gross = its amount, fee = the merchant fee, net = gross − fee
//   cancellation  cancelled before it was paid out: taken off what is payable
//   refund        cancelled after it was paid out: owed back by the merchant, netted by this payout
// Lines come from the journal's open items (read-models/journal.ts), closed by the payout that netted them.

export type PayoutLineCategory = "settlement" | "cancellation" | "refund";

export interface PayoutLine {
  readonly category: PayoutLineCategory;
  readonly transactionId: string;
  readonly effectiveAt: string;
  readonly grossMinor: bigint;
  readonly feeMinor: bigint;
  readonly netMinor: bigint;
}

export interface ReconciledPayout {
  readonly payout: PayoutRow;
  readonly lines: readonly PayoutLine[];
}

export interface PayoutReportFilter {
  readonly from: string;
  readonly to: string;
  readonly merchantId?: string | undefined;
  readonly currency?: string | undefined;
}

const CATEGORY: Record<string, PayoutLineCategory> = {
  settled: "settlement",
  cancel_payable: "cancellation",
  cancel_receivable: "refund",
};

function toLine(r: Row): PayoutLine {
  const category = CATEGORY[String(r.kind)];
  invariant(category !== undefined, `an open item of unknown kind ${String(r.kind)}`);
  const gross = big(r.gross_minor);
  const fee = big(r.fee_minor);
  // A settlement adds its net; a cancellation takes its amount back and gives the merchant fee back.
  const sign = category === "settlement" ? 1n : -1n;
  return {
    category,
    transactionId: String(r.transaction_id),
    effectiveAt: String(r.effective_at),
    grossMinor: sign * gross,
    feeMinor: sign * fee,
    netMinor: big(r.payable_minor) - big(r.receivable_minor),
  };
}

/** Payouts paid in `[from, to)` (optionally one merchant's, one currency's), each with its lines. */
export async function payoutReport(
  readStore: ReadStore,
  filter: PayoutReportFilter,
): Promise<ReconciledPayout[]> {
  const where = ["p.paid_at >= ?", "p.paid_at < ?"];
  const params: string[] = [filter.from, filter.to];
  if (filter.merchantId !== undefined) {
    where.push("p.merchant_id = ?");
    params.push(filter.merchantId);
  }
  if (filter.currency !== undefined) {
    where.push("p.currency = ?");
    params.push(filter.currency);
  }
  const rows = await readStore.query(
    `SELECT p.*, i.kind, i.transaction_id AS line_transaction_id, i.gross_minor, i.fee_minor, i.payable_minor,
            i.receivable_minor AS line_receivable_minor, i.effective_at
       FROM merchant_payouts p LEFT JOIN merchant_open_items i ON i.payout_id = p.payout_id
      WHERE ${where.join(" AND ")}
      ORDER BY p.position_num, i.position_num, i.item_id`,
    params,
  );
  const payouts = new Map<string, { payout: PayoutRow; lines: PayoutLine[] }>();
  for (const r of rows) {
    const id = String(r.payout_id);
    const entry = payouts.get(id) ?? { payout: toPayout(r), lines: [] };
    payouts.set(id, entry);
    if (r.kind !== null && r.kind !== undefined) {
      entry.lines.push(
        toLine({ ...r, transaction_id: r.line_transaction_id, receivable_minor: r.line_receivable_minor }),
      );
    }
  }
  for (const { payout, lines } of payouts.values()) {
    const total = lines.reduce((sum, line) => sum + line.netMinor, 0n);
    // docs/guarantees.md: a payout is exactly what it covers.
    invariant(
      total === payout.amountMinor,
      `payout ${payout.payoutId} is ${payout.amountMinor} but its lines sum to ${total}`,
    );
  }
  return [...payouts.values()];
}
