import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { EventEnvelope } from "../../../contracts/envelope.ts";
import { type AppendObserver, AppendQueue, type PendingAppend } from "./append-queue.ts";
import { checkExpectedRevision, retriedAppend, type StoredAt } from "./append-rules.ts";
import { AppendSignal, catchUpSubscription } from "./catch-up-subscription.ts";
import { type ChainHead, type ChainLink, chainHash, EMPTY_CHAIN, GENESIS_HASH } from "./chain.ts";
import {
  CHAIN_COLUMNS,
  type ChainRow,
  EVENT_COLUMNS,
  type EventRow,
  rowToEnvelope,
  rowToLink,
} from "./event-rows.ts";
import {
  type AppendOptions,
  type AppendResult,
  type EventStore,
  EventStoreClosed,
  type EventToAppend,
  type ReadAllOptions,
  type ReadStreamOptions,
  type SubscribeOptions,
  type Subscription,
} from "./port.ts";
import { RecentEvents } from "./recent-events.ts";
import {
  MAX_PAGE,
  validateAppend,
  validatePosition,
  validateReadAll,
  validateReadStream,
} from "./validate.ts";

export interface SqliteEventStoreOptions {
  /** File path, or ":memory:" for tests that do not reopen. */
  readonly path: string;
  readonly now?: () => Date;
  /** Upper bound of appends gathered into one transaction. */
  readonly maxBatch?: number;
  /** Told of every batch and append (the process's /metrics); none by default. */
  readonly observer?: AppendObserver;
}

/** The log's one table (exported so the benchmark's raw ceiling writes the very same rows and indexes). */
export const SQLITE_EVENTS_SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    stream_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    type TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    occurred_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    causation_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    data TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (stream_id, revision)
  ) STRICT;
`;

const COLUMNS = EVENT_COLUMNS.join(", ");
/** Committed envelopes kept for the in-process subscribers: two of their pages. */
const RECENT_EVENTS = 2000;
const LINK_COLUMNS = CHAIN_COLUMNS.join(", ");

/**
 * The embedded event store on node:sqlite.
 *
 * Durability: WAL with `synchronous = FULL`, so the WAL is fsynced at every commit and an append is on disk
 * before its promise resolves. `NORMAL` would be faster but in WAL mode can lose the last commits on power
 * loss, which for a payments ledger means losing an acknowledged payment. Group commit pays the fsync once
 * for every append gathered in a batch, which is what keeps FULL fast.
 *
 * Group commit: appends queue up during one turn of the event loop and are written in one transaction.
 * Each append runs inside its own SAVEPOINT with its own expected-revision check, so a conflict or fault in
 * one is rolled back alone and never fails its neighbours. Positions are the rowid: a single writer assigns
 * them in commit order and rolled-back savepoints free theirs, so readers see no gaps.
 *
 * Hash chain (chain.ts): each batch reads the last stored hash once inside its transaction and chains every
 * event it writes onto it; an append rolled back to its savepoint hands the head back as it found it. A log
 * written before the chain existed gets its chain computed, from the genesis, the first time it is opened.
 */
export class SqliteEventStore implements EventStore {
  readonly #db: DatabaseSync;
  readonly #now: () => Date;
  readonly #queue: AppendQueue;
  readonly #signal = new AppendSignal();
  readonly #subscriptions = new Set<Subscription>();
  readonly #recent = new RecentEvents(RECENT_EVENTS);
  #closed = false;
  readonly #sql: {
    byEventId: StatementSync;
    lastRevision: StatementSync;
    insert: StatementSync;
    savepoint: StatementSync;
    release: StatementSync;
    rollbackTo: StatementSync;
    streamForwards: StatementSync;
    streamBackwards: StatementSync;
    all: StatementSync;
    head: StatementSync;
    lastHash: StatementSync;
    chain: StatementSync;
    chainHead: StatementSync;
  };

  constructor(options: SqliteEventStoreOptions) {
    if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
    this.#db = new DatabaseSync(options.path);
    this.#db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;");
    this.#db.exec(SQLITE_EVENTS_SCHEMA);
    chainUnchainedLog(this.#db);
    this.#now = options.now ?? (() => new Date());
    this.#queue = new AppendQueue((batch) => this.#write(batch), options.maxBatch ?? 1000, options.observer);
    this.#sql = {
      byEventId: this.#db.prepare("SELECT stream_id, revision, position FROM events WHERE event_id = ?"),
      lastRevision: this.#db.prepare("SELECT MAX(revision) AS revision FROM events WHERE stream_id = ?"),
      // The position is the rowid, read from run()'s lastInsertRowid: RETURNING more than doubled an insert's cost.
      insert: this.#db.prepare(
        `INSERT INTO events (${LINK_COLUMNS}) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      savepoint: this.#db.prepare("SAVEPOINT append"),
      release: this.#db.prepare("RELEASE append"),
      rollbackTo: this.#db.prepare("ROLLBACK TO append"),
      streamForwards: this.#db.prepare(
        `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`,
      ),
      streamBackwards: this.#db.prepare(
        `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
      ),
      all: this.#db.prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`),
      head: this.#db.prepare("SELECT COALESCE(MAX(position), 0) AS head FROM events"),
      lastHash: this.#db.prepare("SELECT hash FROM events ORDER BY position DESC LIMIT 1"),
      chain: this.#db.prepare(
        `SELECT ${LINK_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
      ),
      chainHead: this.#db.prepare("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1"),
    };
    // Exact positions even past 2^53, as RETURNING gave them.
    this.#sql.insert.setReadBigInts(true);
    for (const rows of [
      this.#sql.streamForwards,
      this.#sql.streamBackwards,
      this.#sql.all,
      this.#sql.chain,
    ]) {
      rows.setReturnArrays(true);
    }
  }

  append(streamId: string, events: readonly EventToAppend[], options: AppendOptions): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new EventStoreClosed());
    try {
      const { dataJson } = validateAppend(streamId, events, options);
      return this.#queue.enqueue({ streamId, events, dataJson, options });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #write(batch: PendingAppend[]): void {
    const outcomes: (() => void)[] = [];
    // Envelopes for the subscribers, built only while there are any (an append without them parses nothing).
    const committed: EventEnvelope[] | undefined = this.#subscriptions.size > 0 ? [] : undefined;
    const recordedAt = this.#now().toISOString();
    try {
      this.#db.exec("BEGIN IMMEDIATE");
      const chain = { hash: this.#lastHash() };
      for (const pending of batch) {
        this.#sql.savepoint.run();
        const before = chain.hash;
        const written = committed?.length ?? 0;
        try {
          const result = this.#appendOne(pending, recordedAt, chain, committed);
          this.#sql.release.run();
          outcomes.push(() => pending.resolve(result));
        } catch (error) {
          chain.hash = before;
          if (committed) committed.length = written;
          this.#sql.rollbackTo.run();
          this.#sql.release.run();
          outcomes.push(() => pending.reject(error));
        }
      }
      this.#db.exec("COMMIT");
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      for (const pending of batch) pending.reject(error);
      return;
    }
    if (committed) this.#recent.add(committed);
    for (const settle of outcomes) settle();
    this.#signal.notify();
  }

  #lastHash(): string {
    const row = this.#sql.lastHash.get() as { hash: string } | undefined;
    return row?.hash ?? GENESIS_HASH;
  }

  /**
   * Writes one append, chaining each event onto `chain.hash` and leaving it at the last one's, and adds the
   * envelopes it wrote to `written` if given (as a read would return them).
   */
  #appendOne(
    pending: PendingAppend,
    recordedAt: string,
    chain: { hash: string },
    written: EventEnvelope[] | undefined,
  ): AppendResult {
    const { streamId, events, dataJson, options } = pending;
    const retried = retriedAppend(streamId, events, (eventId) => this.#storedAt(eventId));
    if (retried) return retried;

    const last = this.#sql.lastRevision.get(streamId) as { revision: number | bigint | null };
    const actual = last.revision === null ? "no_stream" : Number(last.revision);
    checkExpectedRevision(streamId, options.expectedRevision, actual);

    let revision = actual === "no_stream" ? -1 : actual;
    let position = 0n;
    events.forEach((event, i) => {
      revision++;
      const data = dataJson[i] as string;
      chain.hash = chainHash(chain.hash, { ...event, streamId, revision, recordedAt }, data);
      // The row as EVENT_COLUMNS lists it, but for the position the insert assigns.
      const columns = [
        event.eventId,
        streamId,
        revision,
        event.type,
        event.schemaVersion,
        event.occurredAt,
        recordedAt,
        event.correlationId,
        event.causationId,
        event.tenantId,
        event.actor,
        data,
      ] as const;
      const { lastInsertRowid } = this.#sql.insert.run(...columns, chain.hash);
      position = BigInt(lastInsertRowid);
      // Built by the mapping every read uses, so a subscriber is handed what a read would return.
      written?.push(rowToEnvelope([position, ...columns]));
    });
    return { nextExpectedRevision: revision, position: position.toString() };
  }

  #storedAt(eventId: string): StoredAt | undefined {
    const row = this.#sql.byEventId.get(eventId) as
      | { stream_id: string; revision: number | bigint; position: number | bigint }
      | undefined;
    return row && { streamId: row.stream_id, revision: Number(row.revision), position: String(row.position) };
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<EventEnvelope[]> {
    this.#assertOpen();
    validateReadStream(streamId, options);
    const maxCount = options?.maxCount ?? MAX_PAGE;
    const rows =
      options?.direction === "backwards"
        ? this.#sql.streamBackwards.all(streamId, options.fromRevision ?? Number.MAX_SAFE_INTEGER, maxCount)
        : this.#sql.streamForwards.all(streamId, options?.fromRevision ?? 0, maxCount);
    return (rows as unknown as EventRow[]).map(rowToEnvelope);
  }

  async readAll(options: ReadAllOptions): Promise<EventEnvelope[]> {
    this.#assertOpen();
    validateReadAll(options);
    return this.#readAllUnchecked(options.after, options.maxCount ?? MAX_PAGE);
  }

  #readAllUnchecked(after: string, maxCount: number): EventEnvelope[] {
    return (this.#sql.all.all(BigInt(after), maxCount) as unknown as EventRow[]).map(rowToEnvelope);
  }

  /**
   * The next events after `after`: the recent commits' when they hold the next one, else the store's. A page
   * from the cache ends where it does; a later read goes on from there (to the store if another connection
   * wrote past it), so no read is spent asking the store for what is usually nothing.
   */
  #readForSubscriber(after: string, maxCount: number): EventEnvelope[] {
    return this.#recent.after(after, maxCount) ?? this.#readAllUnchecked(after, maxCount);
  }

  async headPosition(): Promise<string> {
    this.#assertOpen();
    return String((this.#sql.head.get() as { head: number | bigint }).head);
  }

  async chainHead(): Promise<ChainHead> {
    this.#assertOpen();
    const row = this.#sql.chainHead.get() as { position: number | bigint; hash: string } | undefined;
    return row ? { position: String(row.position), hash: row.hash } : EMPTY_CHAIN;
  }

  async readChain(options: ReadAllOptions): Promise<ChainLink[]> {
    this.#assertOpen();
    validateReadAll(options);
    const rows = this.#sql.chain.all(BigInt(options.after), options.maxCount ?? MAX_PAGE);
    return (rows as unknown as ChainRow[]).map(rowToLink);
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    this.#assertOpen();
    validatePosition(options.after);
    const caughtUp = catchUpSubscription(
      async (after, maxCount) => {
        this.#assertOpen();
        return this.#readForSubscriber(after, maxCount);
      },
      this.#signal,
      options,
    );
    const subscription: Subscription = {
      get lastPosition() {
        return caughtUp.lastPosition;
      },
      stop: async () => {
        this.#subscriptions.delete(subscription);
        await caughtUp.stop();
      },
    };
    this.#subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((s) => s.stop()));
    await this.#queue.drain();
    this.#db.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new EventStoreClosed();
  }
}

/**
 * A log written before the hash chain has no `hash` column: adds it and chains every stored event from the
 * genesis, in one transaction (docs/audit.md "Existing logs").
 */
function chainUnchainedLog(db: DatabaseSync): void {
  const columns = db.prepare("SELECT name FROM pragma_table_info('events')").all() as { name: string }[];
  if (columns.some((c) => c.name === "hash")) return;
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec("ALTER TABLE events ADD COLUMN hash TEXT NOT NULL DEFAULT ''");
    const rows = db.prepare(`SELECT ${COLUMNS} FROM events ORDER BY position`);
    rows.setReturnArrays(true);
    const update = db.prepare("UPDATE events SET hash = ? WHERE position = ?");
    let hash = GENESIS_HASH;
    for (const row of rows.iterate() as Iterable<EventRow>) {
      const link = rowToLink([...row, ""]);
      hash = chainHash(hash, link, link.dataJson);
      update.run(hash, row[0]);
    }
    db.exec("COMMIT");
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}
