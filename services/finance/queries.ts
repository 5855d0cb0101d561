import { type Currency, currencies } from "../../contracts/money.ts";
import type { ReadStore, Row, SqlValue } from "../platform/readstore/port.ts";
import { JOURNAL_PROJECTION, periodOf } from "./read-models/journal.ts";

// Read-only queries over the journal projection (services/finance/read-models/journal.ts). Every query
// is one SQL statement, so it reads one consistent state of the read model on either read store.

/** An integer column: bigint from both read stores for BIGINT, numeric text for PostgreSQL's SUM. */
export function big(value: unknown): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === "bigint") return value;
  if (typeof value === "number" || typeof value === "string") return BigInt(value);
  throw new TypeError(`expected an integer, got ${typeof value}`);
}

export interface AccountTotals {
  readonly account: string;
  readonly currency: string;
  readonly debitMinor: bigint;
  readonly creditMinor: bigint;
}

export type AsOf =
  | { readonly kind: "current" }
  | { readonly kind: "position"; readonly position: bigint }
  | { readonly kind: "time"; readonly at: string };

export interface TrialBalance {
  readonly accounts: readonly AccountTotals[];
  /** The journal's checkpoint the answer reflects (for "current": how far the journal had got). */
  readonly journalPosition: string;
}

// The journal's checkpoint, read inside the same statement as the balances so the two always agree.
const CHECKPOINT = `(SELECT c.position FROM projection_checkpoints c JOIN projection_state s
    ON s.name = c.name AND s.generation = c.generation WHERE s.name = '${JOURNAL_PROJECTION}')`;

const totals = (r: Row): AccountTotals => ({
  account: String(r.account),
  currency: String(r.currency),
  debitMinor: big(r.debit_minor),
  creditMinor: big(r.credit_minor),
});

/**
 * Every account's debit and credit totals:
 * - current: the maintained totals (`account_balances`), one row per account;
 * - as of a log position: each account's running totals at its latest posting at or before the position,
 *   one covering-index seek per account (the totals only grow, so that posting holds them);
 * - as of an effective (business) time: business time does not follow log order (a repayment may be
 *   recorded late), so running totals cannot serve it; the journal keeps each account's movements per
 *   effective day, quarter-day and hour, and the answer is the days before the time's day, that day's
 *   quarters before its quarter, that quarter's hours before its hour, and that hour's postings up to it
 *   (its entries by their effective-time index, their postings by position): at most three quarters, five
 *   hours and an hour's postings besides the days, not every posting.
 */
export async function trialBalance(
  readStore: ReadStore,
  asOf: AsOf,
  /** Only this account (the audit route's view of one account), by the same queries. */
  account?: string,
): Promise<TrialBalance> {
  // `? IS NULL OR account = ?` keeps one statement text per basis for every account or one.
  const only = [account ?? null, account ?? null];
  let rows: Row[];
  switch (asOf.kind) {
    case "current":
      rows = await readStore.query(
        `SELECT b.account, b.currency, b.debit_minor, b.credit_minor, ${CHECKPOINT} AS checkpoint
           FROM account_balances b WHERE (CAST(? AS TEXT) IS NULL OR b.account = ?)
          ORDER BY b.account, b.currency`,
        only,
      );
      break;
    case "position": {
      // One covering-index seek per account: its latest posting at or before the position. Ties at one
      // position (an account posted twice by one event) go to the larger totals, which are the later ones.
      // Both totals come back as one "debit:credit" text so that one seek serves both.
      rows = await readStore.query(
        `SELECT b.account, b.currency, ${CHECKPOINT} AS checkpoint,
                (SELECT q.running_debit_minor || ':' || q.running_credit_minor FROM journal_postings q
                  WHERE q.account = b.account AND q.currency = b.currency AND q.position_num <= ?
                  ORDER BY q.position_num DESC, q.running_debit_minor DESC, q.running_credit_minor DESC LIMIT 1)
                  AS totals
           FROM account_balances b WHERE (CAST(? AS TEXT) IS NULL OR b.account = ?)
          ORDER BY b.account, b.currency`,
        [asOf.position, ...only],
      );
      // An account first posted after the position did not exist yet.
      rows = rows.flatMap((r) => {
        if (r.totals === null || r.totals === undefined) return [];
        const [debit, credit] = String(r.totals).split(":");
        return [{ ...r, debit_minor: big(debit), credit_minor: big(credit) }];
      });
      break;
    }
    case "time": {
      const day = periodOf("day", asOf.at);
      const quarter = periodOf("quarter", asOf.at);
      const hour = periodOf("hour", asOf.at);
      rows = await readStore.query(
        `SELECT t.account, t.currency, SUM(t.debit_minor) AS debit_minor, SUM(t.credit_minor) AS credit_minor,
                ${CHECKPOINT} AS checkpoint
           FROM (SELECT d.account, d.currency, d.debit_minor, d.credit_minor
                   FROM account_day_movements d WHERE d.day < ?
                 UNION ALL
                 SELECT q.account, q.currency, q.debit_minor, q.credit_minor
                   FROM account_quarter_movements q WHERE q.quarter >= ? AND q.quarter < ?
                 UNION ALL
                 SELECT h.account, h.currency, h.debit_minor, h.credit_minor
                   FROM account_hour_movements h WHERE h.hour >= ? AND h.hour < ?
                 UNION ALL
                 SELECT p.account, p.currency, p.debit_minor, p.credit_minor
                   FROM journal_entries e
                   JOIN journal_postings p ON p.position_num = e.position_num AND p.entry_id = e.entry_id
                  WHERE e.effective_at >= ? AND e.effective_at <= ?) t
          WHERE (CAST(? AS TEXT) IS NULL OR t.account = ?)
          GROUP BY t.account, t.currency ORDER BY t.account, t.currency`,
        [day, day, quarter, quarter, hour, hour, asOf.at, ...only],
      );
      break;
    }
  }
  const checkpoint = rows[0]?.checkpoint ?? (await journalPosition(readStore));
  return { accounts: rows.map(totals), journalPosition: String(checkpoint ?? "0") };
}

/** The journal projection's checkpoint, "0" before it ran. */
export async function journalPosition(readStore: ReadStore): Promise<string> {
  const [row] = await readStore.query(`SELECT ${CHECKPOINT} AS checkpoint`);
  return row?.checkpoint === null || row?.checkpoint === undefined ? "0" : String(row.checkpoint);
}

/** The currencies an account has postings in (none: the account does not exist). */
export async function accountCurrencies(readStore: ReadStore, account: string): Promise<string[]> {
  const rows = await readStore.query(
    "SELECT currency FROM account_balances WHERE account = ? ORDER BY currency",
    [account],
  );
  return rows.map((r) => String(r.currency));
}

export interface StatementLine {
  readonly entryId: string;
  readonly eventId: string;
  readonly kind: string;
  readonly position: string;
  readonly seq: number;
  readonly effectiveAt: string;
  readonly recordedAt: string;
  readonly transactionId: string | null;
  readonly merchantId: string | null;
  readonly userId: string | null;
  readonly debitMinor: bigint;
  readonly creditMinor: bigint;
  /** Debit totals less credit totals of the account after this posting. */
  readonly balanceMinor: bigint;
}

/** One page of an account's postings in log order, strictly after (position, seq) when given. */
export async function accountStatement(
  readStore: ReadStore,
  account: string,
  currency: string,
  after: { position: bigint; seq: number } | undefined,
  limit: number,
): Promise<StatementLine[]> {
  const params: SqlValue[] = [account, currency];
  let cursor = "";
  if (after) {
    cursor = "AND (p.position_num > ? OR (p.position_num = ? AND p.seq > ?))";
    params.push(after.position, after.position, after.seq);
  }
  params.push(limit);
  const rows = await readStore.query(
    `SELECT p.entry_id, p.seq, p.position, p.effective_at, p.debit_minor, p.credit_minor,
            p.running_debit_minor, p.running_credit_minor, e.event_id, e.kind, e.recorded_at,
            e.transaction_id, e.merchant_id, e.user_id
       FROM journal_postings p JOIN journal_entries e ON e.entry_id = p.entry_id
      WHERE p.account = ? AND p.currency = ? ${cursor}
      ORDER BY p.position_num, p.seq LIMIT ?`,
    params,
  );
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return rows.map((r) => ({
    entryId: String(r.entry_id),
    eventId: String(r.event_id),
    kind: String(r.kind),
    position: String(r.position),
    seq: Number(r.seq),
    effectiveAt: String(r.effective_at),
    recordedAt: String(r.recorded_at),
    transactionId: text(r.transaction_id),
    merchantId: text(r.merchant_id),
    userId: text(r.user_id),
    debitMinor: big(r.debit_minor),
    creditMinor: big(r.credit_minor),
    balanceMinor: big(r.running_debit_minor) - big(r.running_credit_minor),
  }));
}

export interface SettlementStatement {
  /** The journal's checkpoint every part of the statement was bounded by. */
  readonly journalPosition: string;
  readonly settled: { count: number; grossMinor: bigint; merchantFeeMinor: bigint; netMinor: bigint };
  readonly cancelled: {
    count: number;
    grossMinor: bigint;
    merchantFeeReversedMinor: bigint;
    /** Taken off the payable (before payout). */
    beforePayoutMinor: bigint;
    /** Owed back by the merchant (after payout), netted by the next payout. */
    afterPayoutMinor: bigint;
  };
  readonly payouts: readonly PayoutRow[];
  readonly openingPayableMinor: bigint;
  readonly closingPayableMinor: bigint;
  readonly openingReceivableMinor: bigint;
  readonly closingReceivableMinor: bigint;
}

export interface PayoutRow {
  readonly merchantId: string;
  readonly currency: Currency;
  readonly payoutId: string;
  readonly paidAt: string;
  readonly payableMinor: bigint;
  readonly receivableMinor: bigint;
  readonly amountMinor: bigint;
  readonly bankAccount: string;
  readonly bankReference: string;
  readonly transactionIds: readonly string[];
  readonly position: string;
}

export async function merchantExists(readStore: ReadStore, merchantId: string): Promise<boolean> {
  const rows = await readStore.query("SELECT merchant_id FROM merchants WHERE merchant_id = ?", [merchantId]);
  return rows.length > 0;
}

/** A merchant's statement period in one currency, bounded by the journal's checkpoint `upTo`. */
interface StatementPeriod {
  readonly merchantId: string;
  readonly currency: string;
  readonly from: string;
  readonly to: string;
  readonly upTo: bigint;
}

/**
 * A merchant's settlement statement for effective times in [from, to): what settled (gross, the merchant
 * fee, net payable), what was cancelled, the payouts, and its payable and receivable at both ends.
 */
export async function settlementStatement(
  readStore: ReadStore,
  merchantId: string,
  currency: string,
  from: string,
  to: string,
): Promise<SettlementStatement> {
  const payable = `merchant-payable:${merchantId}`;
  const receivable = `merchant-receivable:${merchantId}`;
  // Every part is bounded by the journal's checkpoint read first: one consistent state across the queries.
  const upTo = BigInt(await journalPosition(readStore));
  const period: StatementPeriod = { merchantId, currency, from, to, upTo };
  const [flows, balances, payouts] = await Promise.all([
    periodFlows(readStore, period),
    periodBalances(readStore, period, [payable, receivable]),
    periodPayouts(readStore, period),
  ]);
  const balance = (account: string, column: "opening" | "closing") =>
    big(balances.find((r) => r.account === account)?.[column]);
  return {
    journalPosition: upTo.toString(),
    ...settledAndCancelled(flows),
    payouts: payouts.map(toPayout),
    // Payable is a credit balance, receivable a debit balance: both shown as positive amounts.
    openingPayableMinor: -balance(payable, "opening"),
    closingPayableMinor: -balance(payable, "closing"),
    openingReceivableMinor: balance(receivable, "opening"),
    closingReceivableMinor: balance(receivable, "closing"),
  };
}

/** Settlements and cancellations are the merchant's open items (closed ones included), by effective time. */
function periodFlows(readStore: ReadStore, period: StatementPeriod): Promise<Row[]> {
  const { merchantId, currency, from, to, upTo } = period;
  return readStore.query(
    `SELECT kind, COUNT(*) AS n, SUM(gross_minor) AS gross_minor, SUM(fee_minor) AS fee_minor,
            SUM(payable_minor) AS payable_minor, SUM(receivable_minor) AS receivable_minor
       FROM merchant_open_items
      WHERE merchant_id = ? AND currency = ? AND effective_at >= ? AND effective_at < ? AND position_num <= ?
      GROUP BY kind`,
    [merchantId, currency, from, to, upTo],
  );
}

/** The accounts' balances (debit − credit) before the period opens and before it closes. */
function periodBalances(
  readStore: ReadStore,
  period: StatementPeriod,
  [payable, receivable]: readonly [string, string],
): Promise<Row[]> {
  const { currency, from, to, upTo } = period;
  return readStore.query(
    `SELECT p.account,
            SUM(CASE WHEN p.effective_at < ? THEN p.debit_minor - p.credit_minor ELSE 0 END) AS opening,
            SUM(CASE WHEN p.effective_at < ? THEN p.debit_minor - p.credit_minor ELSE 0 END) AS closing
       FROM journal_postings p WHERE p.account IN (?, ?) AND p.currency = ? AND p.position_num <= ?
      GROUP BY p.account`,
    [from, to, payable, receivable, currency, upTo],
  );
}

function periodPayouts(readStore: ReadStore, period: StatementPeriod): Promise<Row[]> {
  const { merchantId, currency, from, to, upTo } = period;
  return readStore.query(
    `SELECT * FROM merchant_payouts WHERE merchant_id = ? AND currency = ? AND paid_at >= ? AND paid_at < ?
        AND position_num <= ? ORDER BY position_num`,
    [merchantId, currency, from, to, upTo],
  );
}

/** The period's flows by kind: cancellations before and after payout add up to one "cancelled". */
function settledAndCancelled(flows: readonly Row[]): Pick<SettlementStatement, "settled" | "cancelled"> {
  const flow = (kind: string) => flows.find((r) => r.kind === kind);
  const sum = (kind: string, column: string) => big(flow(kind)?.[column]);
  return {
    settled: {
      count: Number(flow("settled")?.n ?? 0),
      grossMinor: sum("settled", "gross_minor"),
      merchantFeeMinor: sum("settled", "fee_minor"),
      netMinor: sum("settled", "payable_minor"),
    },
    cancelled: {
      count: Number(flow("cancel_payable")?.n ?? 0) + Number(flow("cancel_receivable")?.n ?? 0),
      grossMinor: sum("cancel_payable", "gross_minor") + sum("cancel_receivable", "gross_minor"),
      merchantFeeReversedMinor: sum("cancel_payable", "fee_minor") + sum("cancel_receivable", "fee_minor"),
      beforePayoutMinor: -sum("cancel_payable", "payable_minor"),
      afterPayoutMinor: sum("cancel_receivable", "receivable_minor"),
    },
  };
}

export function toPayout(r: Row): PayoutRow {
  const ids: unknown = JSON.parse(String(r.transaction_ids));
  return {
    merchantId: String(r.merchant_id),
    currency: currencyOf(r.currency),
    payoutId: String(r.payout_id),
    paidAt: String(r.paid_at),
    payableMinor: big(r.payable_minor),
    receivableMinor: big(r.receivable_minor),
    amountMinor: big(r.amount_minor),
    bankAccount: String(r.bank_account),
    bankReference: String(r.bank_reference),
    transactionIds: Array.isArray(ids) ? ids.map(String) : [],
    position: String(r.position),
  };
}

/** The journal writes only currencies it knows; anything else in a row is a bug. */
function currencyOf(value: unknown): Currency {
  const currency = currencies.find((c) => c === value);
  if (currency === undefined) throw new Error(`unknown currency ${String(value)} in the journal`);
  return currency;
}

/** Payouts whose id starts with `prefix` (the payouts of one run: payout-run.ts PayoutRunKey), in log order. */
export async function payoutsWithIdPrefix(readStore: ReadStore, prefix: string): Promise<PayoutRow[]> {
  // LIKE, not a range: PostgreSQL compares text by collation, which may order "-" unlike the bytes.
  if (!/^[0-9a-f-]+$/.test(prefix))
    throw new Error(`a payout id prefix is hex digits and dashes, got ${prefix}`);
  const rows = await readStore.query(
    "SELECT * FROM merchant_payouts WHERE payout_id LIKE ? ORDER BY position_num",
    [`${prefix}%`],
  );
  return rows.map(toPayout);
}

export interface OpenItem {
  readonly merchantId: string;
  readonly currency: Currency;
  readonly kind: "settled" | "cancel_payable" | "cancel_receivable";
  readonly transactionId: string;
  readonly payableMinor: bigint;
  readonly receivableMinor: bigint;
}

const OPEN_ITEM_KINDS = new Set(["settled", "cancel_payable", "cancel_receivable"]);
const isOpenItemKind = (kind: string): kind is OpenItem["kind"] => OPEN_ITEM_KINDS.has(kind);

/** Every open item of every merchant, in log order: one statement, so one consistent state. */
export async function openItems(readStore: ReadStore): Promise<OpenItem[]> {
  const rows = await readStore.query(
    `SELECT merchant_id, currency, kind, transaction_id, payable_minor, receivable_minor
       FROM merchant_open_items WHERE payout_id IS NULL ORDER BY merchant_id, currency, position_num`,
  );
  return rows.map((r) => {
    const kind = String(r.kind);
    if (!isOpenItemKind(kind)) throw new Error(`unknown open item kind ${kind}`);
    return {
      merchantId: String(r.merchant_id),
      currency: currencyOf(r.currency),
      kind,
      transactionId: String(r.transaction_id),
      payableMinor: big(r.payable_minor),
      receivableMinor: big(r.receivable_minor),
    };
  });
}

/**
 * Read-your-writes on the journal for a process whose projections run elsewhere: polls the journal's
 * checkpoint until it reaches `position` (false after `timeoutMs`).
 */
export function waitForJournal(readStore: ReadStore, timeoutMs: number, everyMs = 20) {
  return async (position: string): Promise<boolean> => {
    const target = BigInt(position);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (BigInt(await journalPosition(readStore)) >= target) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  };
}
