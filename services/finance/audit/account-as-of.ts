import type { ReadStore, SqlValue } from "../../platform/readstore/port.ts";
import { type AccountTotals, big, trialBalance } from "../queries.ts";
import type { AuditAt } from "./as-of.ts";

// An account as of a log position or an effective time: its totals per currency (the trial balance's own
// queries, so the two always agree) and the postings that led there, newest last.

export interface AuditPosting {
  readonly entryId: string;
  readonly eventId: string;
  readonly kind: string;
  readonly currency: string;
  readonly position: string;
  readonly effectiveAt: string;
  readonly debitMinor: bigint;
  readonly creditMinor: bigint;
}

export interface AccountAsOf {
  readonly totals: readonly AccountTotals[];
  /** The last `limit` postings counted in the totals, in log order. */
  readonly postings: readonly AuditPosting[];
  /** More postings led there than are listed. */
  readonly truncated: boolean;
  readonly journalPosition: string;
}

export async function accountAsOf(
  readStore: ReadStore,
  account: string,
  at: AuditAt,
  limit: number,
): Promise<AccountAsOf> {
  const balance = await trialBalance(
    readStore,
    at.kind === "position" ? { kind: "position", position: at.position } : { kind: "time", at: at.at },
    account,
  );
  const checkpoint = BigInt(balance.journalPosition);
  const [filter, bound]: [string, SqlValue] =
    at.kind === "position" ? ["p.position_num <= ?", at.position] : ["p.effective_at <= ?", at.at];
  const rows = await readStore.query(
    `SELECT p.entry_id, p.currency, p.position, p.effective_at, p.debit_minor, p.credit_minor, e.event_id, e.kind
       FROM journal_postings p JOIN journal_entries e ON e.entry_id = p.entry_id
      WHERE p.account = ? AND ${filter} AND p.position_num <= ?
      ORDER BY p.position_num DESC, p.seq DESC LIMIT ?`,
    [account, bound, checkpoint, limit + 1],
  );
  const postings = rows
    .slice(0, limit)
    .reverse()
    .map((r) => ({
      entryId: String(r.entry_id),
      eventId: String(r.event_id),
      kind: String(r.kind),
      currency: String(r.currency),
      position: String(r.position),
      effectiveAt: String(r.effective_at),
      debitMinor: big(r.debit_minor),
      creditMinor: big(r.credit_minor),
    }));
  return {
    totals: balance.accounts,
    postings,
    truncated: rows.length > limit,
    journalPosition: balance.journalPosition,
  };
}
