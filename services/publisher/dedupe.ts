// Dedupe for Kafka consumers of the ledger's events.
//
// Delivery from the publisher is at least once: after a failed send or a crash before the checkpoint, a
// page is produced again, so a consumer can read an event twice. Keeping every event id ever seen would
// grow without bound. It is not needed: a stream's events are produced with the stream id as key, so they
// sit on one partition in log order, and a consumer group reads a partition in order. The first time a
// consumer sees a stream's events their revisions therefore only go up, and anything it reads again is a
// revision it has already handled. So the store keeps one row per stream, the last revision handled
// (and its event id, for diagnostics): an event with a revision at or below it is a duplicate.
// Size: one row per stream, whatever the number of events.
//
// This holds while a stream's key maps to one partition: never add partitions to a live topic.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";

export interface HandledMark {
  readonly revision: number;
  readonly eventId: string;
}

export interface DedupeStore {
  /** The last revision of the stream handled, or undefined if none was. */
  lastHandled(streamId: string): Promise<HandledMark | undefined>;
  /** Records an event as handled (after its handler succeeded); never moves a stream's mark backwards. */
  markHandled(event: { streamId: string; revision: number; eventId: string }): Promise<void>;
  close(): Promise<void>;
}

/** In memory: per-stream marks for one process's life (tests, consumers that rebuild their state at start). */
export class InMemoryDedupeStore implements DedupeStore {
  readonly #marks = new Map<string, HandledMark>();

  async lastHandled(streamId: string): Promise<HandledMark | undefined> {
    return this.#marks.get(streamId);
  }

  async markHandled(event: { streamId: string; revision: number; eventId: string }): Promise<void> {
    const mark = this.#marks.get(event.streamId);
    if (!mark || event.revision > mark.revision) {
      this.#marks.set(event.streamId, { revision: event.revision, eventId: event.eventId });
    }
  }

  /** Streams tracked (the store's size). */
  get size(): number {
    return this.#marks.size;
  }

  async close(): Promise<void> {}
}

export interface SqliteDedupeStoreOptions {
  /** File path, or ":memory:". */
  readonly path: string;
  /** Lets several consumers (groups) share one file; default "default". */
  readonly scope?: string;
}

/**
 * On node:sqlite, in a table `consumer_dedupe (scope, stream_id, revision, event_id)`, one row per stream.
 * WAL with synchronous = NORMAL: a mark lost on power loss only means an event is handled once more,
 * which the at-least-once contract already allows (a crash between handler and mark does the same).
 */
export class SqliteDedupeStore implements DedupeStore {
  readonly #db: DatabaseSync;
  readonly #scope: string;
  readonly #get: StatementSync;
  readonly #upsert: StatementSync;

  constructor(options: SqliteDedupeStoreOptions) {
    if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
    this.#db = new DatabaseSync(options.path);
    this.#db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
    this.#db.exec(`CREATE TABLE IF NOT EXISTS consumer_dedupe (
      scope TEXT NOT NULL,
      stream_id TEXT NOT NULL,
      revision INTEGER NOT NULL,
      event_id TEXT NOT NULL,
      PRIMARY KEY (scope, stream_id)
    ) STRICT, WITHOUT ROWID`);
    this.#scope = options.scope ?? "default";
    this.#get = this.#db.prepare(
      "SELECT revision, event_id FROM consumer_dedupe WHERE scope = ? AND stream_id = ?",
    );
    this.#upsert = this.#db.prepare(
      `INSERT INTO consumer_dedupe (scope, stream_id, revision, event_id) VALUES (?, ?, ?, ?)
       ON CONFLICT (scope, stream_id) DO UPDATE SET revision = excluded.revision, event_id = excluded.event_id
       WHERE excluded.revision > consumer_dedupe.revision`,
    );
  }

  async lastHandled(streamId: string): Promise<HandledMark | undefined> {
    const row = this.#get.get(this.#scope, streamId) as { revision: number; event_id: string } | undefined;
    return row ? { revision: Number(row.revision), eventId: row.event_id } : undefined;
  }

  async markHandled(event: { streamId: string; revision: number; eventId: string }): Promise<void> {
    this.#upsert.run(this.#scope, event.streamId, event.revision, event.eventId);
  }

  /** Streams tracked in this scope (the store's size). */
  count(): number {
    const row = this.#db
      .prepare("SELECT COUNT(*) AS n FROM consumer_dedupe WHERE scope = ?")
      .get(this.#scope) as {
      n: number;
    };
    return Number(row.n);
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }
}
