import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { EventEnvelope } from "../../../contracts/envelope.ts";
import { AppendSignal, catchUpSubscription } from "./catch-up-subscription.ts";
import {
  type AppendOptions,
  type AppendResult,
  DuplicateEventId,
  type EventStore,
  EventStoreClosed,
  type EventToAppend,
  type ReadAllOptions,
  type ReadStreamOptions,
  type SubscribeOptions,
  type Subscription,
  WrongExpectedRevision,
} from "./port.ts";
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
}

interface PendingAppend {
  readonly streamId: string;
  readonly events: readonly EventToAppend[];
  readonly dataJson: readonly string[];
  readonly options: AppendOptions;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/** A row of COLUMNS, read as an array (setReturnArrays): building arrays is about twice as fast as objects. */
type EventRow = [
  position: number | bigint,
  eventId: string,
  streamId: string,
  revision: number | bigint,
  type: string,
  schemaVersion: number | bigint,
  occurredAt: string,
  recordedAt: string,
  correlationId: string,
  causationId: string,
  tenantId: string,
  actor: string,
  data: string,
];

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
    UNIQUE (stream_id, revision)
  ) STRICT;
`;

const COLUMNS =
  "position, event_id, stream_id, revision, type, schema_version, occurred_at, recorded_at, correlation_id, causation_id, tenant_id, actor, data";

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
 */
export class SqliteEventStore implements EventStore {
  readonly #db: DatabaseSync;
  readonly #now: () => Date;
  readonly #maxBatch: number;
  readonly #signal = new AppendSignal();
  readonly #subscriptions = new Set<Subscription>();
  #queue: PendingAppend[] = [];
  #flushScheduled = false;
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
  };

  constructor(options: SqliteEventStoreOptions) {
    if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
    this.#db = new DatabaseSync(options.path);
    this.#db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;");
    this.#db.exec(SQLITE_EVENTS_SCHEMA);
    this.#now = options.now ?? (() => new Date());
    this.#maxBatch = options.maxBatch ?? 1000;
    this.#sql = {
      byEventId: this.#db.prepare("SELECT stream_id, revision, position FROM events WHERE event_id = ?"),
      lastRevision: this.#db.prepare("SELECT MAX(revision) AS revision FROM events WHERE stream_id = ?"),
      // The position is the rowid, read from run()'s lastInsertRowid: RETURNING more than doubled an insert's cost.
      insert: this.#db.prepare(
        `INSERT INTO events (${COLUMNS}) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
    };
    // Exact positions even past 2^53, as RETURNING gave them.
    this.#sql.insert.setReadBigInts(true);
    for (const rows of [this.#sql.streamForwards, this.#sql.streamBackwards, this.#sql.all]) {
      rows.setReturnArrays(true);
    }
  }

  append(streamId: string, events: readonly EventToAppend[], options: AppendOptions): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new EventStoreClosed());
    try {
      const { dataJson } = validateAppend(streamId, events, options);
      return new Promise((resolve, reject) => {
        this.#queue.push({ streamId, events, dataJson, options, resolve, reject });
        this.#scheduleFlush();
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#queue.splice(0, this.#maxBatch);
    if (this.#queue.length > 0) this.#scheduleFlush();
    if (batch.length === 0) return;
    const outcomes: (() => void)[] = [];
    const recordedAt = this.#now().toISOString();
    try {
      this.#db.exec("BEGIN IMMEDIATE");
      for (const pending of batch) {
        this.#sql.savepoint.run();
        try {
          const result = this.#appendOne(pending, recordedAt);
          this.#sql.release.run();
          outcomes.push(() => pending.resolve(result));
        } catch (error) {
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
    for (const settle of outcomes) settle();
    this.#signal.notify();
  }

  #appendOne(pending: PendingAppend, recordedAt: string): AppendResult {
    const { streamId, events, dataJson, options } = pending;
    const retried = this.#alreadyAppended(streamId, events);
    if (retried) return retried;

    const last = this.#sql.lastRevision.get(streamId) as { revision: number | bigint | null };
    const actual = last.revision === null ? "no_stream" : Number(last.revision);
    const expected = options.expectedRevision;
    const ok =
      expected === "any" ||
      (expected === "no_stream" && actual === "no_stream") ||
      (expected === "stream_exists" && actual !== "no_stream") ||
      expected === actual;
    if (!ok) throw new WrongExpectedRevision(streamId, expected, actual);

    let revision = actual === "no_stream" ? -1 : actual;
    let position = 0n;
    events.forEach((event, i) => {
      revision++;
      const { lastInsertRowid } = this.#sql.insert.run(
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
        dataJson[i] as string,
      );
      position = BigInt(lastInsertRowid);
    });
    return { nextExpectedRevision: revision, position: position.toString() };
  }

  /** A retry of an append already stored returns the original result; any other reuse of an id is refused. */
  #alreadyAppended(streamId: string, events: readonly EventToAppend[]): AppendResult | undefined {
    let previous: { revision: number; position: bigint } | undefined;
    let stored = 0;
    events.forEach((event, i) => {
      const row = this.#sql.byEventId.get(event.eventId) as
        | { stream_id: string; revision: number | bigint; position: number | bigint }
        | undefined;
      if (!row) return;
      const consecutive =
        row.stream_id === streamId &&
        (previous === undefined ? true : Number(row.revision) === previous.revision + 1) &&
        stored === i;
      if (!consecutive) throw new DuplicateEventId(event.eventId, `${row.stream_id}@${row.revision}`);
      stored++;
      previous = { revision: Number(row.revision), position: BigInt(row.position) };
    });
    if (stored === 0) return undefined;
    if (stored !== events.length || !previous) {
      throw new DuplicateEventId(events[stored]?.eventId ?? "", "only part of this append is stored");
    }
    return { nextExpectedRevision: previous.revision, position: previous.position.toString() };
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<EventEnvelope[]> {
    this.#assertOpen();
    validateReadStream(streamId, options);
    const maxCount = options?.maxCount ?? MAX_PAGE;
    const rows =
      options?.direction === "backwards"
        ? this.#sql.streamBackwards.all(streamId, options.fromRevision ?? Number.MAX_SAFE_INTEGER, maxCount)
        : this.#sql.streamForwards.all(streamId, options?.fromRevision ?? 0, maxCount);
    return (rows as unknown as EventRow[]).map(toEnvelope);
  }

  async readAll(options: ReadAllOptions): Promise<EventEnvelope[]> {
    this.#assertOpen();
    validateReadAll(options);
    return this.#readAllUnchecked(options.after, options.maxCount ?? MAX_PAGE);
  }

  #readAllUnchecked(after: string, maxCount: number): EventEnvelope[] {
    return (this.#sql.all.all(BigInt(after), maxCount) as unknown as EventRow[]).map(toEnvelope);
  }

  async headPosition(): Promise<string> {
    this.#assertOpen();
    return String((this.#sql.head.get() as { head: number | bigint }).head);
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    this.#assertOpen();
    validatePosition(options.after);
    const subscription = catchUpSubscription(
      async (after, maxCount) => {
        this.#assertOpen();
        return this.#readAllUnchecked(after, maxCount);
      },
      this.#signal,
      options,
    );
    this.#subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((s) => s.stop()));
    while (this.#queue.length > 0) this.#flush();
    this.#db.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new EventStoreClosed();
  }
}

function toEnvelope(row: EventRow): EventEnvelope {
  return {
    eventId: row[1],
    type: row[4],
    schemaVersion: Number(row[5]),
    streamId: row[2],
    revision: Number(row[3]),
    position: String(row[0]),
    occurredAt: row[6],
    recordedAt: row[7],
    correlationId: row[8],
    causationId: row[9],
    tenantId: row[10],
    actor: row[11],
    data: JSON.parse(row[12]),
  };
}
