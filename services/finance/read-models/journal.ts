import type { EventEnvelope } from "../../../contracts/envelope.ts";
import type { EventData } from "../../../contracts/event-codec.ts";
import type { CheckoutEvent } from "../../ledger/checkout/checkout.events.ts";
import {
  assertBalanced,
  decodeJournalEvent,
  type JournalEntry,
  type JournalEvent,
  type Posting,
  postingsForEvent,
} from "../../ledger/journal/postings.ts";
import type { MerchantEvent } from "../../ledger/merchant/merchant.events.ts";
import type { SqlValue, Statement, TableSpec } from "../../platform/readstore/port.ts";
import type { Projection, Replayer } from "../../platform/readstore/projection.ts";
import { bankMovementRow, bankMovementsTable, insertMovementsSql } from "./bank-movements.ts";
import { chunked, once, placeholders } from "./multi-row.ts";

/**
 * The double-entry journal as read models (DESIGN.md "Money"), from services/ledger/journal/postings.ts:
 *
 * - `journal_entries`, `journal_postings`: every entry and posting with the event's log position (the
 *   decimal string, and `position_num` as BIGINT for range queries) and effective (business) time. Each
 *   posting also carries its account's running debit and credit totals after it, so a statement shows the
 *   running balance and a trial balance as of a position is one index seek per account (the totals only
 *   grow, so "the latest posting at or before P" holds the account's totals as of P).
 * - `account_balances`: current debit and credit totals per account and currency.
 * - `account_day_movements`, `account_quarter_movements`, `account_hour_movements`: each account's debits and
 *   credits per currency and effective (UTC) day, quarter of a day (six hours) and hour, so a trial balance
 *   as of an effective time is the days before its day, that day's quarters before its quarter, that
 *   quarter's hours before its hour, and that hour's postings up to it (queries.ts): effective time does
 *   not follow log order, so running totals cannot serve it.
 * - `merchant_open_items`, `merchant_netting`, `merchant_payouts`: what a payout run needs in one read (see
 *   below), and the payouts made.
 *
 * An entry that does not balance throws (InvariantViolation) before any statement is made, so the runner
 * stops the projection at that event and nothing unbalanced is ever written.
 *
 * Open items per merchant (payout_id NULL while open):
 * - `settled`: one per settled transaction, payable = amount − merchant fee. A payout closes the ones whose
 *   transaction it lists (PayoutMade.transactionIds; the merchant decider pays a transaction at most once).
 * - `cancel_payable` (Cancelled before payout: payable −(amount − fee share)) and `cancel_receivable`
 *   (after payout: receivable amount − fee share). A payout nets the open ones it read, and those are always
 *   the oldest (a run reads every open one; new ones only arrive later in the log), so they are closed
 *   first-in first-out by amount: each carries the running total of its kind (`cum_minor`), each merchant's
 *   `merchant_netting` row the total its payouts netted, and an item is closed once its running total is
 *   within that. A cancellation appended while a run was deciding is not in that run's amounts, so it stays
 *   open for the next payout, exactly as the journal's merchant-payable still holds it.
 * The open balance of a merchant is Σ payable − Σ receivable over its open items, which always equals its
 * merchant-payable less merchant-receivable in the journal.
 */
export const JOURNAL_PROJECTION = "journal";

/**
 * v2: LoanCancelled posts its refund to each receivable by component (postings.ts).
 * v3: account_day_movements, account_hour_movements, and entries indexed by effective time (as-of-time
 * trial balance). v4: `bank_movements` (read-models/bank-movements.ts), events written in batches, no
 * `journal_entries` index on position_num (no query used it), and `journal_entries`, `account_balances` and
 * `merchant_netting` clustered on their keys (one B-tree per row: every posting of a batch reads its account's
 * totals by key, and the batch upserts them). v5: paid disbursals in `bank_movements`. v6: the indexes only
 * queries read are `queryIndexes` (a replay builds them after loading), and `merchant_open_items`' running
 * total index leads with merchant and currency (a cancellation reads its kind's total per currency).
 * v7: `account_quarter_movements`, and the movements tables clustered on their keys (a trial balance reads
 * their rows in key order without a second lookup each).
 */
export const journalProjection: Projection = {
  name: JOURNAL_PROJECTION,
  version: 7,
  tables: {
    journal_entries: {
      columns: `entry_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, position TEXT NOT NULL,
        position_num BIGINT NOT NULL, effective_at TEXT NOT NULL, recorded_at TEXT NOT NULL, kind TEXT NOT NULL,
        transaction_id TEXT, merchant_id TEXT, user_id TEXT`,
      // Clustered on entry_id (an account statement joins its postings to their entries), and by effective
      // time for the as-of-time tail: one row per entry is cheaper to index than ~5 postings, which the tail
      // then reaches through their position index.
      clustered: true,
      queryIndexes: ["effective_at"],
    },
    journal_postings: {
      columns: `entry_id TEXT NOT NULL, seq BIGINT NOT NULL, account TEXT NOT NULL, currency TEXT NOT NULL,
        debit_minor BIGINT NOT NULL, credit_minor BIGINT NOT NULL, running_debit_minor BIGINT NOT NULL,
        running_credit_minor BIGINT NOT NULL, position TEXT NOT NULL, position_num BIGINT NOT NULL,
        effective_at TEXT NOT NULL`,
      // No primary key of its own: (entry_id, seq) is unique because entry_id is journal_entries' key, and
      // every index is paid for on each of ~5 postings per event. The account index covers the running
      // totals, so "an account's totals as of position P" never touches the table.
      // Queries' only: the projection's statements never read this table.
      queryIndexes: [
        "account, currency, position_num, running_debit_minor, running_credit_minor",
        "position_num",
      ],
    },
    account_balances: {
      columns: `account TEXT NOT NULL, currency TEXT NOT NULL, debit_minor BIGINT NOT NULL,
        credit_minor BIGINT NOT NULL, PRIMARY KEY (account, currency)`,
      clustered: true,
    },
    account_day_movements: movementsTable("day"),
    account_quarter_movements: movementsTable("quarter"),
    account_hour_movements: movementsTable("hour"),
    merchant_open_items: {
      columns: `item_id TEXT PRIMARY KEY, merchant_id TEXT NOT NULL, currency TEXT NOT NULL, kind TEXT NOT NULL,
        transaction_id TEXT NOT NULL, gross_minor BIGINT NOT NULL, fee_minor BIGINT NOT NULL,
        payable_minor BIGINT NOT NULL, receivable_minor BIGINT NOT NULL, cum_minor BIGINT NOT NULL,
        position TEXT NOT NULL, position_num BIGINT NOT NULL, effective_at TEXT NOT NULL, payout_id TEXT`,
      // A cancellation reads its kind's running total, and a payout closes the items it covers, through these.
      indexes: ["payout_id", "merchant_id, currency, kind, cum_minor"],
    },
    merchant_netting: {
      columns: `merchant_id TEXT NOT NULL, currency TEXT NOT NULL, cancel_payable_netted_minor BIGINT NOT NULL,
        cancel_receivable_netted_minor BIGINT NOT NULL, PRIMARY KEY (merchant_id, currency)`,
      clustered: true,
    },
    merchant_payouts: {
      columns: `payout_id TEXT PRIMARY KEY, merchant_id TEXT NOT NULL, currency TEXT NOT NULL,
        paid_at TEXT NOT NULL, payable_minor BIGINT NOT NULL, receivable_minor BIGINT NOT NULL,
        amount_minor BIGINT NOT NULL, bank_account TEXT NOT NULL, bank_reference TEXT NOT NULL,
        transaction_ids TEXT NOT NULL, position TEXT NOT NULL, position_num BIGINT NOT NULL`,
      queryIndexes: ["merchant_id, paid_at"],
    },
    bank_movements: bankMovementsTable,
  },
  handle(envelope): Statement[] {
    return journalBatchStatements([envelope]);
  },
  handleBatch: journalBatchStatements,
  replayer: journalReplayer,
};

/** One event the journal posts, its entries asserted balanced. */
interface Posted {
  readonly envelope: EventEnvelope;
  readonly decoded: JournalEvent;
  readonly entries: readonly JournalEntry[];
}

/**
 * A run of events as few statements: every entry of the run is asserted balanced before any statement is
 * made, then the journal's rows go in as multi-row inserts (running totals precomputed, see
 * postingsAndBalancesStatements) with one upsert per account and per account and period for the whole run,
 * and the merchant and bank rows follow in log order wherever they read one another (a payout closes the
 * items before it; see openItemsAndMovementsStatements). The two groups write disjoint tables, so the order
 * between them does not matter; the result is that of handling each event in turn.
 */
function journalBatchStatements(events: readonly EventEnvelope[]): Statement[] {
  const posted = postedOf(events);
  if (posted.length === 0) return [];
  return [
    ...entriesStatements(posted),
    ...postingsAndBalancesStatements(posted),
    ...periodMovementsStatements(posted),
    ...openItemsAndMovementsStatements(posted),
  ];
}

/** The events the journal posts, every entry asserted balanced before any statement is made. */
function postedOf(events: readonly EventEnvelope[]): Posted[] {
  const posted: Posted[] = [];
  for (const envelope of events) {
    const decoded = decodeJournalEvent(envelope);
    if (!decoded) continue;
    const entries = postingsForEvent(envelope, decoded);
    for (const entry of entries) assertBalanced(entry);
    if (entries.length > 0) posted.push({ envelope, decoded, entries });
  }
  return posted;
}

/**
 * The merchant and bank rows, in log order except where nothing reads them: settled items go in as
 * multi-row inserts just before the next payout (the only statement that reads them: it closes them by id),
 * and bank movements, which no statement here reads, at the end.
 */
function openItemsAndMovementsStatements(posted: readonly Posted[]): Statement[] {
  const statements: Statement[] = [];
  const settled: SqlValue[][] = [];
  const movements: SqlValue[][] = [];
  const flushSettled = () => statements.push(...chunked(settled.splice(0), insertSettledSql));
  for (const { envelope, decoded, entries } of posted) {
    if (decoded.stream === "merchant") flushSettled();
    statements.push(...openItemStatements(envelope, decoded, entries, settled));
    const movement = bankMovementRow(envelope, decoded);
    if (movement) movements.push(movement);
  }
  flushSettled();
  return [...statements, ...chunked(movements, insertMovementsSql)];
}

/** Where an event sits in the log: each row it writes carries both (decimal text, and BIGINT for ranges). */
interface LogPosition {
  readonly position: string;
  readonly positionNum: bigint;
}

const logPositionOf = (envelope: EventEnvelope): LogPosition => ({
  position: envelope.position,
  positionNum: BigInt(envelope.position),
});

function entriesStatements(posted: readonly Posted[]): Statement[] {
  const rows: SqlValue[][] = [];
  for (const { envelope, entries } of posted) {
    const at = logPositionOf(envelope);
    for (const e of entries) {
      rows.push([
        e.entryId,
        e.eventId,
        at.position,
        at.positionNum,
        e.effectiveAt,
        envelope.recordedAt,
        e.kind,
        e.transactionId ?? null,
        e.merchantId ?? null,
        e.userId ?? null,
      ]);
    }
  }
  return chunked(rows, insertEntriesSql);
}

const insertEntriesSql = (rows: number) =>
  once(`entries:${rows}`, () => {
    return `INSERT INTO {{journal_entries}} (entry_id, event_id, position, position_num, effective_at, recorded_at,
            kind, transaction_id, merchant_id, user_id) VALUES ${placeholders(10, rows)}`;
  });

/**
 * The effective-time periods movements are kept by, each named by its UTC start as the movements key it:
 * a day `2026-01-31`, a quarter of a day `2026-01-31T06` (00, 06, 12 or 18), an hour `2026-01-31T09`.
 * Each is a prefix range of the next finer one, so a trial balance reads at most three quarters and five
 * hours of the time's day besides the days before it.
 */
export type Period = "day" | "quarter" | "hour";

/** The period an ISO time in UTC falls in. */
export function periodOf(period: Period, at: string): string {
  switch (period) {
    case "day":
      return at.slice(0, 10);
    case "quarter":
      return `${at.slice(0, 11)}${QUARTER_STARTS[Number(at.slice(11, 13))]}`;
    case "hour":
      return at.slice(0, 13);
  }
}

const QUARTER_STARTS = Array.from({ length: 24 }, (_, hour) => String(hour - (hour % 6)).padStart(2, "0"));

/** Keyed by the period first: "every day before D" is one range of the key, rows in key order. */
function movementsTable(period: Period): TableSpec {
  return {
    columns: `${period} TEXT NOT NULL, account TEXT NOT NULL, currency TEXT NOT NULL, debit_minor BIGINT NOT NULL,
        credit_minor BIGINT NOT NULL, PRIMARY KEY (${period}, account, currency)`,
    clustered: true,
  };
}

type MovementRow = SqlValue[] & [string, string, string, bigint, bigint];

/**
 * The run's movements by effective hour, then its hours' by quarter and day (an hour lies in one of each):
 * one upsert row per period, account and currency.
 */
function periodMovementsStatements(posted: readonly Posted[]): Statement[] {
  const hours = new Map<string, MovementRow>();
  for (const { entries } of posted) {
    for (const e of entries) {
      const hour = periodOf("hour", e.effectiveAt);
      for (const p of e.postings) {
        const row = movementRow(hours, hour, p.account, p.currency);
        if (p.side === "debit") row[3] += p.amountMinor;
        else row[4] += p.amountMinor;
      }
    }
  }
  const coarser = (period: Period) => {
    const totals = new Map<string, MovementRow>();
    for (const [hour, account, currency, debit, credit] of hours.values()) {
      const row = movementRow(totals, periodOf(period, hour), account, currency);
      row[3] += debit;
      row[4] += credit;
    }
    return chunked([...totals.values()], (n) => upsertPeriodMovementsSql(period, n));
  };
  return [
    ...coarser("day"),
    ...coarser("quarter"),
    ...chunked([...hours.values()], (n) => upsertPeriodMovementsSql("hour", n)),
  ];
}

function movementRow(rows: Map<string, MovementRow>, at: string, account: string, currency: string) {
  const id = `${at}\u0000${account}\u0000${currency}`;
  let row = rows.get(id);
  if (row === undefined) {
    row = [at, account, currency, 0n, 0n];
    rows.set(id, row);
  }
  return row;
}

const upsertPeriodMovementsSql = (period: Period, rows: number) =>
  once(`${period}:${rows}`, () => {
    const table = `{{account_${period}_movements}}`;
    return `INSERT INTO ${table} (${period}, account, currency, debit_minor, credit_minor)
          VALUES ${placeholders(5, rows)}
          ON CONFLICT (${period}, account, currency) DO UPDATE SET
            debit_minor = ${table}.debit_minor + excluded.debit_minor,
            credit_minor = ${table}.credit_minor + excluded.credit_minor`;
  });

/** An account's debit and credit totals in one currency. */
interface Totals {
  readonly account: string;
  readonly currency: string;
  debit: bigint;
  credit: bigint;
}

/** Totals per account and currency, keyed by `accountKey`. */
type AccountTotals = Map<string, Totals>;

const accountKey = (p: Posting) => `${p.account}\u0000${p.currency}`;

/**
 * The postings' rows, each carrying its account's totals in `totals` just after its event (an event may
 * post one account twice: both rows carry the totals after both), which it moves by every posting.
 */
function postingRows(posted: readonly Posted[], totals: AccountTotals): SqlValue[][] {
  const rows: SqlValue[][] = [];
  const touched: Totals[] = [];
  for (const { envelope, entries } of posted) {
    const at = logPositionOf(envelope);
    // First the event's whole effect on each account (each posting's totals found once): its rows carry the
    // totals after it.
    touched.length = 0;
    for (const e of entries) {
      for (const p of e.postings) {
        const key = accountKey(p);
        let t = totals.get(key);
        if (t === undefined) {
          t = { account: p.account, currency: p.currency, debit: 0n, credit: 0n };
          totals.set(key, t);
        }
        if (p.side === "debit") t.debit += p.amountMinor;
        else t.credit += p.amountMinor;
        touched.push(t);
      }
    }
    let seq = 0;
    for (const e of entries) {
      for (const p of e.postings) {
        const t = touched[seq]!;
        seq++;
        rows.push([
          e.entryId,
          seq,
          p.account,
          p.currency,
          p.side === "debit" ? p.amountMinor : 0n,
          p.side === "credit" ? p.amountMinor : 0n,
          t.debit,
          t.credit,
          at.position,
          at.positionNum,
          e.effectiveAt,
        ]);
      }
    }
  }
  return rows;
}

/**
 * Postings and balances of a run on their own: the run's totals start at zero, so each posting's row adds
 * its account's totals before the run (read from `account_balances` by the insert), and then one upsert
 * per account adds the run's totals to `account_balances` (one row per account and currency for the whole
 * run: PostgreSQL refuses to upsert a row twice in one statement).
 */
function postingsAndBalancesStatements(posted: readonly Posted[]): Statement[] {
  const runTotals: AccountTotals = new Map();
  const rows = postingRows(posted, runTotals);
  const balances = [...runTotals.values()].map((t): SqlValue[] => [t.account, t.currency, t.debit, t.credit]);
  return [...chunked(rows, insertPostingsSql), ...chunked(balances, upsertBalancesSql)];
}

// A posting's running totals: its account's totals before the run, plus the run's own up to its event,
// read with one join per row (the rows arrive as VALUES; BIGINT casts so PostgreSQL types its parameters).
const BIGINT = "CAST(? AS BIGINT)";
const POSTING_ROW = `(?, ${BIGINT}, ?, ?, ${BIGINT}, ${BIGINT}, ${BIGINT}, ${BIGINT}, ?, ${BIGINT}, ?)`;
const POSTING_COLUMNS = `entry_id, seq, account, currency, debit_minor, credit_minor, running_debit_minor,
  running_credit_minor, position, position_num, effective_at`;

const insertPostingsSql = (rows: number) =>
  once(`postings:${rows}`, () => {
    return `WITH v (entry_id, seq, account, currency, debit_minor, credit_minor, run_debit_minor,
            run_credit_minor, position, position_num, effective_at)
          AS (VALUES ${new Array<string>(rows).fill(POSTING_ROW).join(", ")})
          INSERT INTO {{journal_postings}} (${POSTING_COLUMNS})
          SELECT v.entry_id, v.seq, v.account, v.currency, v.debit_minor, v.credit_minor,
            COALESCE(b.debit_minor, 0) + v.run_debit_minor, COALESCE(b.credit_minor, 0) + v.run_credit_minor,
            v.position, v.position_num, v.effective_at
          FROM v LEFT JOIN {{account_balances}} b ON b.account = v.account AND b.currency = v.currency`;
  });

const upsertBalancesSql = (rows: number) =>
  once(`balances:${rows}`, () => {
    return `INSERT INTO {{account_balances}} (account, currency, debit_minor, credit_minor)
          VALUES ${placeholders(4, rows)}
          ON CONFLICT (account, currency) DO UPDATE SET
            debit_minor = {{account_balances}}.debit_minor + excluded.debit_minor,
            credit_minor = {{account_balances}}.credit_minor + excluded.credit_minor`;
  });

/**
 * A replay holds every account's totals since position 0 in memory, so a posting's row is written with them
 * as they are (no read of `account_balances`), and leaves the sums to the store: once every posting is in,
 * the hour movements are summed from them, each coarser period from the finer one and the balances from the
 * days, one statement each (a sort inside the store instead of an upsert per account and period per run).
 */
function journalReplayer(): Replayer {
  const totals: AccountTotals = new Map();
  return {
    next(events) {
      const posted = postedOf(events);
      if (posted.length === 0) return [];
      return [
        ...entriesStatements(posted),
        ...chunked(postingRows(posted, totals), insertReplayedPostingsSql),
        ...openItemsAndMovementsStatements(posted),
      ];
    },
    finish: () => SUMS_FROM_POSTINGS,
  };
}

const insertReplayedPostingsSql = (rows: number) =>
  once(`replayed-postings:${rows}`, () => {
    return `INSERT INTO {{journal_postings}} (${POSTING_COLUMNS}) VALUES ${placeholders(11, rows)}`;
  });

/** periodOf in SQL, of an `effective_at` (hour) or of an hour (quarter, day). */
const PERIOD_SQL = {
  hour: "substr(effective_at, 1, 13)",
  quarter: `substr(hour, 1, 11) || CASE WHEN substr(hour, 12, 2) < '06' THEN '00'
    WHEN substr(hour, 12, 2) < '12' THEN '06' WHEN substr(hour, 12, 2) < '18' THEN '12' ELSE '18' END`,
  day: "substr(quarter, 1, 10)",
} as const satisfies Record<Period, string>;

const movementsFrom = (period: Period, finer: string): Statement => ({
  sql: `INSERT INTO {{account_${period}_movements}} (${period}, account, currency, debit_minor, credit_minor)
        SELECT ${PERIOD_SQL[period]}, account, currency, SUM(debit_minor), SUM(credit_minor)
          FROM {{${finer}}} GROUP BY 1, 2, 3`,
  params: [],
});

const SUMS_FROM_POSTINGS: readonly Statement[] = [
  movementsFrom("hour", "journal_postings"),
  movementsFrom("quarter", "account_hour_movements"),
  movementsFrom("day", "account_quarter_movements"),
  {
    sql: `INSERT INTO {{account_balances}} (account, currency, debit_minor, credit_minor)
          SELECT account, currency, SUM(debit_minor), SUM(credit_minor) FROM {{account_day_movements}}
           GROUP BY account, currency`,
    params: [],
  },
];

type CheckoutData<Type extends CheckoutEvent["type"]> = EventData<CheckoutEvent, Type>;
type PayoutData = EventData<MerchantEvent, "PayoutMade">;

/** What every open item of one checkout event shares. */
interface ItemOrigin extends LogPosition {
  readonly transactionId: string;
  readonly currency: string;
}

/** The event's open item statements; a settled item is a row added to `settled` instead. */
function openItemStatements(
  envelope: EventEnvelope,
  decoded: JournalEvent,
  entries: readonly JournalEntry[],
  settled: SqlValue[][],
): Statement[] {
  const at = logPositionOf(envelope);
  // An open item is in the currency its event was posted in (the postings of one entry share it).
  const currency = entries[0]!.postings[0]!.currency;
  switch (decoded.stream) {
    case "checkout": {
      const origin = { ...at, currency, transactionId: envelope.streamId.slice("checkout-".length) };
      const event = decoded.event;
      if (event.type === "Settled") settled.push(settledItem(origin, event.data));
      if (event.type === "Cancelled") return [cancelledItem(origin, event.data)];
      return [];
    }
    case "merchant": {
      const event = decoded.event;
      if (event.type !== "PayoutMade") return [];
      const merchantId = envelope.streamId.slice("merchant-".length);
      return [
        payoutStatement(merchantId, event.data, at),
        ...closedSettledItems(event.data),
        ...nettedCancellations(merchantId, event.data),
      ];
    }
    default:
      return [];
  }
}

/** A settled transaction is open for payout until a payout lists it. */
function settledItem(origin: ItemOrigin, d: CheckoutData<"Settled">): SqlValue[] {
  const { transactionId, currency, position, positionNum } = origin;
  return [
    `settled:${transactionId}`,
    d.merchantId,
    currency,
    transactionId,
    d.amountMinor,
    d.merchantFeeMinor,
    d.amountMinor - d.merchantFeeMinor,
    position,
    positionNum,
    d.settledAt,
  ];
}

const SETTLED_ROW = "(?, ?, ?, 'settled', ?, ?, ?, ?, 0, 0, ?, ?, ?, NULL)";

const insertSettledSql = (rows: number) =>
  once(`settled:${rows}`, () => {
    return `INSERT INTO {{merchant_open_items}} (item_id, merchant_id, currency, kind, transaction_id,
            gross_minor, fee_minor, payable_minor, receivable_minor, cum_minor, position, position_num,
            effective_at, payout_id)
          VALUES ${new Array<string>(rows).fill(SETTLED_ROW).join(", ")}`;
  });

/** A cancellation is open until a payout nets it; its running total of its kind says when (see above). */
function cancelledItem(origin: ItemOrigin, d: CheckoutData<"Cancelled">): Statement {
  const { transactionId, currency, position, positionNum } = origin;
  const net = d.amountMinor - d.merchantFeeMinor;
  const kind = d.afterPayout ? "cancel_receivable" : "cancel_payable";
  return {
    sql: `INSERT INTO {{merchant_open_items}} (item_id, merchant_id, currency, kind, transaction_id,
            gross_minor, fee_minor, payable_minor, receivable_minor, cum_minor, position, position_num,
            effective_at, payout_id)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,
            (SELECT COALESCE(MAX(cum_minor), 0) FROM {{merchant_open_items}}
              WHERE merchant_id = ? AND currency = ? AND kind = ?) + ?,
            ?, ?, ?, NULL)`,
    params: [
      `cancel:${transactionId}:${d.cancellationId}`,
      d.merchantId,
      currency,
      kind,
      transactionId,
      d.amountMinor,
      d.merchantFeeMinor,
      d.afterPayout ? 0n : -net,
      d.afterPayout ? net : 0n,
      d.merchantId,
      currency,
      kind,
      net,
      position,
      positionNum,
      d.cancelledAt,
    ],
  };
}

function payoutStatement(merchantId: string, d: PayoutData, at: LogPosition): Statement {
  return {
    sql: `INSERT INTO {{merchant_payouts}} (payout_id, merchant_id, currency, paid_at, payable_minor,
            receivable_minor, amount_minor, bank_account, bank_reference, transaction_ids, position, position_num)
          VALUES ${placeholders(12, 1)}`,
    params: [
      d.payoutId,
      merchantId,
      d.currency,
      d.paidAt,
      d.payableMinor,
      d.receivableMinor,
      d.amountMinor,
      d.bankAccount,
      d.bankReference,
      JSON.stringify(d.transactionIds),
      at.position,
      at.positionNum,
    ],
  };
}

function closedSettledItems(d: PayoutData): Statement[] {
  return d.transactionIds.map((transactionId) => ({
    sql: `UPDATE {{merchant_open_items}} SET payout_id = ? WHERE item_id = ? AND payout_id IS NULL`,
    params: [d.payoutId, `settled:${transactionId}`],
  }));
}

/**
 * The payout's netting adds to the merchant's netted totals, then closes the cancellations those totals now
 * cover, oldest first. Runs after closedSettledItems: the payable netted is read from the items it closed.
 */
function nettedCancellations(merchantId: string, d: PayoutData): Statement[] {
  const netted = (kind: string, column: string): Statement => ({
    sql: `UPDATE {{merchant_open_items}} SET payout_id = ?
          WHERE merchant_id = ? AND currency = ? AND kind = ? AND payout_id IS NULL
            AND cum_minor <= (SELECT ${column} FROM {{merchant_netting}} WHERE merchant_id = ? AND currency = ?)`,
    params: [d.payoutId, merchantId, d.currency, kind, merchantId, d.currency],
  });
  return [
    {
      sql: `INSERT INTO {{merchant_netting}} (merchant_id, currency, cancel_payable_netted_minor,
              cancel_receivable_netted_minor) VALUES (?, ?, 0, 0) ON CONFLICT (merchant_id, currency) DO NOTHING`,
      params: [merchantId, d.currency],
    },
    {
      // Payable cancellations netted = the settled payable this payout closed − the payable it cleared.
      sql: `UPDATE {{merchant_netting}} SET
              cancel_payable_netted_minor = cancel_payable_netted_minor
                + ((SELECT COALESCE(SUM(payable_minor), 0) FROM {{merchant_open_items}}
                    WHERE payout_id = ? AND kind = 'settled') - ?),
              cancel_receivable_netted_minor = cancel_receivable_netted_minor + ?
            WHERE merchant_id = ? AND currency = ?`,
      params: [d.payoutId, d.payableMinor, d.receivableMinor, merchantId, d.currency],
    },
    netted("cancel_payable", "cancel_payable_netted_minor"),
    netted("cancel_receivable", "cancel_receivable_netted_minor"),
  ];
}
