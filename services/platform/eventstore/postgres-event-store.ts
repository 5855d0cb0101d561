import { createHash } from "node:crypto";
import pg from "pg";
import type { EventEnvelope } from "../../../contracts/envelope.ts";
import { type AppendObserver, AppendQueue, type PendingAppend } from "./append-queue.ts";
import { checkExpectedRevision, retriedAppend, type StoredAt } from "./append-rules.ts";
import { AppendSignal, catchUpSubscription } from "./catch-up-subscription.ts";
import { type ChainHead, type ChainLink, chainHash, EMPTY_CHAIN, GENESIS_HASH } from "./chain.ts";
import {
  type ChainRow,
  EVENT_COLUMNS,
  type EventColumn,
  type EventRow,
  rowToEnvelope,
  rowToLink,
} from "./event-rows.ts";
import {
  type AppendOptions,
  type AppendResult,
  type EventStore,
  EventStoreClosed,
  EventStoreError,
  EventStoreUnavailable,
  type EventToAppend,
  InvalidEventStoreArgument,
  type ReadAllOptions,
  type ReadStreamOptions,
  type SubscribeOptions,
  type Subscription,
} from "./port.ts";
import { assertSchemaName, NOTIFY_CHANNEL, quoted, schemaDdl } from "./postgres-schema.ts";
import {
  MAX_PAGE,
  validateAppend,
  validatePosition,
  validateReadAll,
  validateReadStream,
} from "./validate.ts";

export interface PostgresEventStoreOptions {
  /** e.g. postgres://user@host:5432/db */
  readonly connectionString: string;
  /** Every table lives in this schema, created at open if missing. */
  readonly schema: string;
  readonly now?: () => Date;
  /** Upper bound of appends gathered into one transaction. */
  readonly maxBatch?: number;
  /** Told of every batch and append (the process's /metrics); none by default. */
  readonly observer?: AppendObserver;
  readonly poolSize?: number;
  readonly connectionTimeoutMillis?: number;
  readonly applicationName?: string;
}

/** What the batch's transaction knows about the streams and event ids it touches, kept current as it writes. */
interface BatchState {
  readonly lastRevision: Map<string, number>;
  readonly storedEvents: Map<string, StoredAt>;
  /** The hash chain's head as the appends written so far leave it. */
  headHash: string;
}

type Plan = { readonly retried: AppendResult } | { readonly lastRevision: number };

// Casts keep positions and data as text whatever type parsers the process has installed globally:
// positions must never pass through a JS number, and data must parse from the exact stored text.
const AS_TEXT: ReadonlySet<EventColumn> = new Set(["position", "event_id", "revision", "data"]);
const COLUMNS = EVENT_COLUMNS.map((c) => (AS_TEXT.has(c) ? `e.${c}::text` : `e.${c}`)).join(", ");

const INT8_MAX = 9_223_372_036_854_775_807n;

/**
 * When a batch falls back to a savepoint per append, each successful one gets a subtransaction id, and a
 * backend caches only 64 of them; past that every other session's snapshot overflows to pg_subtrans lookups
 * while the batch is open. Keeping a batch at 64 appends still pays one commit for 64 appends.
 */
const DEFAULT_MAX_BATCH = 64;

/**
 * The event store on PostgreSQL.
 *
 * Position visibility (why a reader never skips an event): positions come from a sequence, and a sequence
 * hands out numbers at insert time, not at commit time, so two writers could commit 11 before 10 and a
 * reader that saw 11 would never come back for 10. This adapter makes positions follow commit order by
 * having one writer at a time: inside a process a single group-commit loop owns all writes, and across
 * processes every append transaction first takes `pg_advisory_xact_lock` on a key derived from the schema.
 * The lock is released only after the commit is visible (PostgreSQL ends the transaction in the proc array
 * before releasing its locks), so the next holder's positions are all greater than, and commit after,
 * everything the previous holder wrote. A reader's snapshot therefore contains a prefix of the log, plus
 * gaps from rolled-back savepoints that will never be filled. Storing `pg_current_xact_id()` per row and
 * filtering readAll by the snapshot's xmin would allow parallel writers, but group commit already gives one
 * writer the throughput, and the lock keeps reads a plain index range scan with no lag behind long
 * transactions elsewhere in the database.
 *
 * Group commit: appends queued while the previous batch was in flight (or during one event-loop turn) are
 * written in one transaction. The batch takes the lock, reads in one query the last revision of every stream
 * and every stored row of every event id it will touch, then decides each append in order against that
 * state, which is exact because no other writer can run while the lock is held. A conflict is found before
 * writing and fails only its own append. The accepted appends are written by one multi-row statement (the
 * streams' revisions and every event, from arrays) under one SAVEPOINT. If the database fails it, the
 * transaction is rolled back to that savepoint and the batch falls back to one savepoint per append,
 * pipelined (sent without waiting for the previous result): the failing append alone is rejected, and the
 * appends after it are decided again without it.
 *
 * Guessed batches (the common case, one round trip before the commit instead of two): once this store has
 * committed a batch it knows the chain's head, and a batch whose appends all expect an exact revision or no
 * stream can be planned without reading: each stream where its first append expects it, no event id stored.
 * That plan's statement is pipelined behind the batch's reads and writes only if, under the lock, the
 * streams, the event ids and the chain's head are as guessed; otherwise it writes nothing, and the batch is
 * decided from the reads as above. An append the guess got wrong is therefore answered exactly as without it.
 *
 * Commit and wake-ups: the transaction calls `pg_notify`, so subscribers of every process (each store keeps
 * one LISTENing client) wake after the commit; local subscribers are also woken directly.
 *
 * Failures: any database error rejects with EventStoreUnavailable naming the database. A transaction that
 * fails is rolled back by the server (or never committed), so nothing is half-written. If the connection
 * drops while COMMIT is in flight the outcome is unknown; the caller retries, and idempotent append returns
 * the stored result if the first attempt did commit.
 *
 * Hash chain (chain.ts): the batch reads the last stored hash under the lock, chains each planned append onto
 * the head the appends planned before it leave, and sends the hashes with the insert. An append that fails
 * leaves the head where the last successful one put it, and the appends after it are planned again from
 * there. A schema written before the chain existed gets its chain computed when first opened.
 */
export class PostgresEventStore implements EventStore {
  readonly #pool: pg.Pool;
  readonly #schema: string;
  readonly #connectionString: string;
  readonly #applicationName: string;
  readonly #connectionTimeoutMillis: number;
  readonly #target: string;
  readonly #lockKey: string;
  readonly #now: () => Date;
  readonly #queue: AppendQueue;
  readonly #signal = new AppendSignal();
  readonly #subscriptions = new Set<Subscription>();
  readonly #sql: ReturnType<typeof statements>;
  #closed = false;
  /** The chain's head as this store's last batch committed it; undefined until then and after a failure. */
  #head: string | undefined;
  #listener: pg.Client | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #reconnectDelay = 100;

  /** Creates the schema if missing and starts listening for appends from other processes. */
  static async open(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    assertSchemaName(options.schema);
    const store = new PostgresEventStore(options);
    try {
      await store.#migrate();
      await store.#listen();
    } catch (error) {
      await store.close().catch(() => {});
      throw store.#unavailable(error);
    }
    return store;
  }

  private constructor(options: PostgresEventStoreOptions) {
    this.#schema = options.schema;
    this.#connectionString = options.connectionString;
    this.#applicationName = options.applicationName ?? "ledger-event-store";
    this.#connectionTimeoutMillis = options.connectionTimeoutMillis ?? 5000;
    this.#now = options.now ?? (() => new Date());
    this.#queue = new AppendQueue(
      (batch) => this.#write(batch),
      options.maxBatch ?? DEFAULT_MAX_BATCH,
      options.observer,
    );
    this.#pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: this.#connectionTimeoutMillis,
      application_name: this.#applicationName,
      keepAlive: true,
      // Lets a batch send all its writes before reading the first result; reads are one query per
      // checkout and unaffected.
      pipeline: true,
    });
    // An idle client whose connection dies emits here; the pool already discards it, and an unhandled
    // 'error' event would crash the process.
    this.#pool.on("error", () => {});
    // A checked-out client whose connection drops also emits 'error'; the query in flight already rejects
    // with it, so the event itself carries nothing to act on.
    this.#pool.on("connect", (client) => client.on("error", () => {}));
    // Never includes the password: the message ends up in logs.
    const probe = new pg.Client({ connectionString: options.connectionString });
    this.#target = `PostgreSQL database "${probe.database}" at ${probe.host}:${probe.port} (schema ${this.#schema})`;
    // Same key in every process that opens this schema, so they all serialise on it.
    const digest = createHash("sha256").update(`ledger-event-store:${this.#schema}`).digest();
    this.#lockKey = digest.readBigInt64BE(0).toString();
    this.#sql = statements(this.#schema, this.#lockKey);
  }

  append(streamId: string, events: readonly EventToAppend[], options: AppendOptions): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new EventStoreClosed());
    try {
      const { dataJson } = validateAppend(streamId, events, options);
      assertStorableText(events);
      return this.#queue.enqueue({ streamId, events, dataJson, options });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Never throws: every pending append is settled. */
  async #write(batch: PendingAppend[]): Promise<void> {
    const recordedAt = this.#now().toISOString();
    let client: pg.PoolClient | undefined;
    let written: Written;
    try {
      client = await this.#pool.connect();
      const savepoint = appendSavepoint(client);
      const guess = this.#head === undefined ? undefined : guessBatch(batch, this.#head, recordedAt);
      const [, state, headHash, guessed] = await Promise.all([
        client.query(this.#sql.beginAndLock),
        this.#batchState(client, batch),
        client.query<{ hash: string }>(this.#sql.lastHash).then((r) => r.rows[0]?.hash ?? GENESIS_HASH),
        guess && this.#writeRound(client, guess.writes, savepoint, recordedAt, guess.assumed),
      ]);
      state.headHash = headHash;
      written =
        guess && guessed
          ? settledRound(guess.steps, applyWrites(guess.writes, guessed, state))
          : await this.#writeAppends(client, batch, state, recordedAt, savepoint);
      await client.query(written.wrote ? this.#sql.notifyAndCommit : "COMMIT");
      client.release();
      this.#head = state.headHash;
    } catch (error) {
      this.#head = undefined;
      if (client) {
        await client.query("ROLLBACK").catch(() => {});
        // Its connection may be broken or mid-transaction: never hand it to the next caller.
        client.release(true);
      }
      const reason = this.#unavailable(error);
      for (const pending of batch) pending.reject(reason);
      return;
    }
    // Only after the commit: an append is acknowledged once it is durable.
    for (const settle of written.outcomes) settle();
    if (written.wrote) this.#signal.notify();
  }

  /** Decides and writes the batch's appends round by round, inside the batch's open transaction. */
  async #writeAppends(
    client: pg.PoolClient,
    batch: readonly PendingAppend[],
    state: BatchState,
    recordedAt: string,
    savepoint: AppendSavepoint,
  ): Promise<Written> {
    const written: Written = { outcomes: [], wrote: false };
    let remaining = batch;
    let oneByOne = false;
    while (remaining.length > 0) {
      const round = planRound(remaining, state, recordedAt);
      let taken: Written & { undecided?: readonly PendingAppend[] };
      const writes = round.steps.filter((step): step is WriteStep => "lastRevision" in step);
      if (oneByOne) {
        const sent = sendRound(client, this.#sql.insert, round.steps, savepoint, recordedAt);
        taken = await this.#takeRound(round, sent, state, savepoint);
      } else if (writes.length === 0) {
        taken = settledRound(round.steps, new Map());
      } else {
        const rows = await this.#writeRound(client, writes, savepoint, recordedAt);
        if (!rows) {
          // One of the round's appends made the database fail it, and one statement cannot say which: the
          // round is rolled back, its state untouched, and it and the rest of the batch go one by one.
          oneByOne = true;
          continue;
        }
        taken = settledRound(round.steps, applyWrites(writes, rows, state));
      }
      written.outcomes.push(...taken.outcomes);
      written.wrote ||= taken.wrote;
      remaining = taken.undecided ?? round.deferred;
    }
    return written;
  }

  /**
   * Writes a round's appends in one statement under one savepoint: a round trip and a subtransaction for the
   * round instead of one per append. With `assumed`, the statement writes only if the streams' last
   * revisions are as assumed (null: no stream), none of its event ids is stored and the chain's head is the
   * hash the round was chained onto. Undefined when it wrote nothing: a database error (rolled back to the
   * savepoint) or an assumption that did not hold.
   */
  async #writeRound(
    client: pg.PoolClient,
    writes: readonly WriteStep[],
    savepoint: AppendSavepoint,
    recordedAt: string,
    assumed?: Assumed,
  ): Promise<InsertedRow[] | undefined> {
    const opened = savepoint.open();
    const inserted = client.query<InsertedRow>(this.#sql.insertAll, [
      ...insertAllValues(writes, recordedAt),
      assumed !== undefined,
      [...(assumed?.lastRevision.keys() ?? [])],
      [...(assumed?.lastRevision.values() ?? [])],
      assumed?.headHash ?? null,
    ]);
    // Taken below; until then a rejection must not count as unhandled.
    inserted.catch(() => {});
    // Fails only if the connection or transaction is already broken: nothing of this batch can stand.
    await opened;
    try {
      const { rows } = await inserted;
      return rows.length > 0 ? rows : undefined;
    } catch {
      await savepoint.rollBack();
      return undefined;
    }
  }

  /**
   * Takes the round's results in order. A failed insert rejects its own append alone: the transaction is
   * rolled back to just before it, and the appends after it come back undecided, to be planned again from
   * what stands.
   */
  async #takeRound(
    round: Round,
    sent: readonly (Sent | undefined)[],
    state: BatchState,
    savepoint: AppendSavepoint,
  ): Promise<Written & { undecided?: readonly PendingAppend[] }> {
    const taken: Written = { outcomes: [], wrote: false };
    for (const [i, step] of round.steps.entries()) {
      if (!("lastRevision" in step)) {
        taken.outcomes.push(step.settle);
        continue;
      }
      const { opened, inserted } = sent[i]!;
      // Fails only if the connection or transaction is already broken: nothing of this batch can stand.
      await opened;
      let rows: InsertedRow[];
      try {
        rows = (await inserted).rows;
      } catch (error) {
        // Every statement sent after the failed one failed too (the transaction is aborted up to the savepoint).
        await savepoint.rollBack();
        const reason = this.#unavailable(error);
        taken.outcomes.push(() => step.pending.reject(reason));
        return {
          ...taken,
          undecided: [...round.steps.slice(i + 1).map((s) => s.pending), ...round.deferred],
        };
      }
      const result = applyWrite(step.pending, step.lastRevision, rows, state);
      state.headHash = step.hashes.at(-1)!;
      taken.wrote = true;
      taken.outcomes.push(() => step.pending.resolve(result));
    }
    return taken;
  }

  async #batchState(client: pg.PoolClient, batch: readonly PendingAppend[]): Promise<BatchState> {
    const streams = [...new Set(batch.map((p) => p.streamId))];
    const eventIds = batch.flatMap((p) => p.events.map((e) => e.eventId));
    const { rows } = await client.query<{
      stream_id: string;
      event_id: string | null;
      revision: string;
      position: string | null;
    }>(this.#sql.batchState, [streams, eventIds]);
    const state: BatchState = { lastRevision: new Map(), storedEvents: new Map(), headHash: GENESIS_HASH };
    for (const row of rows) {
      if (row.event_id === null) state.lastRevision.set(row.stream_id, Number(row.revision));
      else {
        state.storedEvents.set(row.event_id, {
          streamId: row.stream_id,
          revision: Number(row.revision),
          position: row.position as string,
        });
      }
    }
    return state;
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<EventEnvelope[]> {
    this.#assertOpen();
    validateReadStream(streamId, options);
    const maxCount = options?.maxCount ?? MAX_PAGE;
    return options?.direction === "backwards"
      ? this.#readEvents(this.#sql.streamBackwards, [
          streamId,
          options.fromRevision ?? Number.MAX_SAFE_INTEGER,
          maxCount,
        ])
      : this.#readEvents(this.#sql.streamForwards, [streamId, options?.fromRevision ?? 0, maxCount]);
  }

  async readAll(options: ReadAllOptions): Promise<EventEnvelope[]> {
    this.#assertOpen();
    validateReadAll(options);
    return this.#readAllUnchecked(options.after, options.maxCount ?? MAX_PAGE);
  }

  async #readAllUnchecked(after: string, maxCount: number): Promise<EventEnvelope[]> {
    // A valid position beyond bigint would be an out-of-range error in SQL; nothing can come after it.
    if (BigInt(after) >= INT8_MAX) return [];
    return this.#readEvents(this.#sql.all, [after, maxCount]);
  }

  async headPosition(): Promise<string> {
    this.#assertOpen();
    // An aggregate always answers one row; COALESCE makes it "0" for an empty log.
    const [row] = await this.#query<{ head: string }>(this.#sql.head, []);
    return row!.head;
  }

  async chainHead(): Promise<ChainHead> {
    this.#assertOpen();
    const [row] = await this.#query<{ position: string; hash: string }>(this.#sql.chainHead, []);
    return row ?? EMPTY_CHAIN;
  }

  async readChain(options: ReadAllOptions): Promise<ChainLink[]> {
    this.#assertOpen();
    validateReadAll(options);
    if (BigInt(options.after) >= INT8_MAX) return [];
    try {
      const { rows } = await this.#pool.query<ChainRow>({
        ...this.#sql.chain,
        values: [options.after, options.maxCount ?? MAX_PAGE],
        rowMode: "array",
      });
      return rows.map(rowToLink);
    } catch (error) {
      throw this.#unavailable(error);
    }
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
    return {
      get lastPosition() {
        return subscription.lastPosition;
      },
      stop: async () => {
        await subscription.stop();
        this.#subscriptions.delete(subscription);
      },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    await Promise.all([...this.#subscriptions].map((s) => s.stop()));
    await this.#queue.drain();
    const listener = this.#listener;
    this.#listener = undefined;
    await Promise.all([listener?.end().catch(() => {}), this.#pool.end().catch(() => {})]);
  }

  async #migrate(): Promise<void> {
    // Concurrent CREATE ... IF NOT EXISTS of the same object can still fail on a catalog unique index, so
    // processes opening a new schema at once take turns on the append lock. A multi-statement simple query
    // is one implicit transaction: the lock is held to its end, and a failure leaves no open transaction.
    await this.#pool.query(`${this.#sql.lock}; ${schemaDdl(this.#schema)}`);
    await this.#chainUnchainedLog();
  }

  /**
   * A schema written before the hash chain has events without a hash: chains them from the genesis, in one
   * transaction under the append lock, then makes the column NOT NULL (docs/audit.md "Existing logs").
   */
  async #chainUnchainedLog(): Promise<void> {
    const s = quoted(this.#schema);
    // Once chained the column is NOT NULL: a catalogue lookup, not a scan of the log, at every start.
    const [column] = await this.#query<{ is_nullable: string }>(
      {
        name: "event_store_hash_nullable",
        text: `SELECT is_nullable FROM information_schema.columns
                WHERE table_schema = $1 AND table_name = 'events' AND column_name = 'hash'`,
      },
      [this.#schema],
    );
    if (column?.is_nullable === "NO") return;
    const [unchained] = await this.#query<{ any: boolean }>(
      {
        name: "event_store_unchained",
        text: `SELECT EXISTS (SELECT 1 FROM ${s}.events WHERE hash IS NULL) AS any`,
      },
      [],
    );
    if (!unchained?.any) return;
    const client = await this.#pool.connect();
    try {
      await client.query(this.#sql.beginAndLock);
      // A page at a time, so a large log is chained without holding it all in memory.
      let hash = GENESIS_HASH;
      for (let after = "0"; ; ) {
        const { rows } = await client.query<ChainRow>({
          text: `SELECT ${COLUMNS}, e.hash FROM ${s}.events AS e WHERE e.position > $1 ORDER BY e.position LIMIT 10000`,
          values: [after],
          rowMode: "array",
        });
        if (rows.length === 0) break;
        const positions: string[] = [];
        const hashes: string[] = [];
        for (const row of rows) {
          const link = rowToLink(row);
          hash = chainHash(hash, link, link.dataJson);
          positions.push(link.position);
          hashes.push(hash);
        }
        await client.query(
          `UPDATE ${s}.events AS e SET hash = c.hash FROM unnest($1::bigint[], $2::text[]) AS c(position, hash)
            WHERE e.position = c.position`,
          [positions, hashes],
        );
        after = positions.at(-1)!;
      }
      await client.query(`ALTER TABLE ${s}.events ALTER COLUMN hash SET NOT NULL; COMMIT`);
      client.release();
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      client.release(true);
      throw error;
    }
  }

  async #listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#connectionString,
      connectionTimeoutMillis: this.#connectionTimeoutMillis,
      application_name: `${this.#applicationName}:listener`,
      keepAlive: true,
    });
    client.on("notification", (message) => {
      if (message.channel === NOTIFY_CHANNEL && message.payload === this.#schema) this.#signal.notify();
    });
    client.on("error", () => this.#listenerLost(client));
    client.on("end", () => this.#listenerLost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    this.#listener = client;
  }

  #listenerLost(client: pg.Client): void {
    if (this.#listener !== client) return;
    this.#listener = undefined;
    client.end().catch(() => {});
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer) return;
    const delay = this.#reconnectDelay;
    this.#reconnectDelay = Math.min(delay * 2, 5000);
    this.#reconnectTimer = setTimeout(async () => {
      this.#reconnectTimer = undefined;
      try {
        await this.#listen();
        this.#reconnectDelay = 100;
        // Other processes may have appended while nobody was listening.
        this.#signal.notify();
      } catch {
        this.#scheduleReconnect();
      }
    }, delay);
    this.#reconnectTimer.unref();
  }

  async #query<Row extends pg.QueryResultRow>(
    config: { name: string; text: string },
    values: unknown[],
  ): Promise<Row[]> {
    try {
      return (await this.#pool.query<Row>({ ...config, values })).rows;
    } catch (error) {
      throw this.#unavailable(error);
    }
  }

  /** Runs a SELECT of COLUMNS; its rows come as arrays, which pg builds faster than objects. */
  async #readEvents(config: { name: string; text: string }, values: unknown[]): Promise<EventEnvelope[]> {
    try {
      return (await this.#pool.query<EventRow>({ ...config, values, rowMode: "array" })).rows.map(
        rowToEnvelope,
      );
    } catch (error) {
      throw this.#unavailable(error);
    }
  }

  #unavailable(error: unknown): Error {
    if (error instanceof EventStoreError) return error;
    return new EventStoreUnavailable(`${this.#target} is unavailable: ${errorText(error)}`, { cause: error });
  }

  #assertOpen(): void {
    if (this.#closed) throw new EventStoreClosed();
  }
}

function statements(schema: string, lockKey: string) {
  const s = quoted(schema);
  // Named statements are parsed and planned once per connection. Each store has its own pool, so a name
  // never meets another schema's text on the same connection.
  const named = (name: string, text: string) => ({ name: `event_store_${name}`, text });
  const lock = `SELECT pg_advisory_xact_lock(${lockKey})`;
  return {
    lock,
    beginAndLock: `BEGIN; ${lock}`,
    notifyAndCommit: `SELECT pg_notify('${NOTIFY_CHANNEL}', '${schema}'); COMMIT`,
    batchState: named(
      "batch_state",
      `SELECT stream_id, NULL::text AS event_id, last_revision::text AS revision, NULL::text AS position
         FROM ${s}.streams WHERE stream_id = ANY($1::text[])
       UNION ALL
       SELECT stream_id, event_id::text, revision::text, position::text
         FROM ${s}.events WHERE event_id = ANY($2::uuid[])`,
    ),
    // Rows reach the sequence default in unnest order, so positions follow revisions (checked on return).
    insert: named(
      "insert",
      `WITH stream AS (
         INSERT INTO ${s}.streams AS st (stream_id, last_revision) VALUES ($1, $2)
         ON CONFLICT (stream_id) DO UPDATE SET last_revision = EXCLUDED.last_revision
         RETURNING st.stream_id
       )
       INSERT INTO ${s}.events (event_id, stream_id, revision, type, schema_version, occurred_at, recorded_at,
                                correlation_id, causation_id, tenant_id, actor, data, hash)
       SELECT e.event_id, stream.stream_id, $3::bigint + e.ord, e.type, e.schema_version, e.occurred_at, $4,
              e.correlation_id, e.causation_id, e.tenant_id, e.actor, e.data, e.hash
         FROM stream,
              unnest($5::uuid[], $6::text[], $7::integer[], $8::text[], $9::text[], $10::text[], $11::text[],
                     $12::text[], $13::json[], $14::text[])
                WITH ORDINALITY AS e(event_id, type, schema_version, occurred_at, correlation_id, causation_id,
                                     tenant_id, actor, data, hash, ord)
       RETURNING event_id::text AS event_id, revision::text AS revision, position::text AS position`,
    ),
    // The round's streams once each at their final revision (ON CONFLICT cannot update a row twice), and its
    // events in log order. The positions are one block taken from the sequence (nothing else draws from it
    // while the append lock is held) and handed out by ordinality, so they follow the order the chain
    // hashes were computed in by construction, whatever order the rows reach the insert in. With $16, it
    // writes only if the assumptions ($17-$19) hold, and nothing otherwise.
    insertAll: named(
      "insert_all",
      `WITH holds AS MATERIALIZED (
         SELECT NOT $16::boolean OR (
                  NOT EXISTS (SELECT 1 FROM unnest($17::text[], $18::bigint[]) AS a(stream_id, last_revision)
                                LEFT JOIN ${s}.streams AS st ON st.stream_id = a.stream_id
                               WHERE st.last_revision IS DISTINCT FROM a.last_revision)
                  AND NOT EXISTS (SELECT 1 FROM ${s}.events WHERE event_id = ANY($4::uuid[]))
                  AND (SELECT hash FROM ${s}.events ORDER BY position DESC LIMIT 1) IS NOT DISTINCT FROM $19::text
                ) AS ok
       ), stream AS (
         INSERT INTO ${s}.streams AS st (stream_id, last_revision)
         SELECT r.* FROM holds, unnest($1::text[], $2::bigint[]) AS r WHERE holds.ok
         ON CONFLICT (stream_id) DO UPDATE SET last_revision = EXCLUDED.last_revision
         RETURNING st.stream_id
       ), block AS MATERIALIZED (
         SELECT setval('${s}.event_position', nextval('${s}.event_position') + cardinality($4::uuid[]) - 1)
                  - cardinality($4::uuid[]) AS before
           FROM holds WHERE holds.ok
       )
       INSERT INTO ${s}.events (position, event_id, stream_id, revision, type, schema_version, occurred_at,
                                recorded_at, correlation_id, causation_id, tenant_id, actor, data, hash)
       SELECT block.before + e.ord, e.event_id, e.stream_id, e.revision, e.type, e.schema_version,
              e.occurred_at, $3, e.correlation_id, e.causation_id, e.tenant_id, e.actor, e.data, e.hash
         FROM block,
              unnest($4::uuid[], $5::text[], $6::bigint[], $7::text[], $8::integer[], $9::text[], $10::text[],
                     $11::text[], $12::text[], $13::text[], $14::json[], $15::text[])
                WITH ORDINALITY AS e(event_id, stream_id, revision, type, schema_version, occurred_at,
                                     correlation_id, causation_id, tenant_id, actor, data, hash, ord)
       RETURNING event_id::text AS event_id, revision::text AS revision, position::text AS position`,
    ),
    streamForwards: named(
      "stream_forwards",
      `SELECT ${COLUMNS} FROM ${s}.events AS e
        WHERE e.stream_id = $1 AND e.revision >= $2 ORDER BY e.revision LIMIT $3`,
    ),
    streamBackwards: named(
      "stream_backwards",
      `SELECT ${COLUMNS} FROM ${s}.events AS e
        WHERE e.stream_id = $1 AND e.revision <= $2 ORDER BY e.revision DESC LIMIT $3`,
    ),
    all: named(
      "all",
      `SELECT ${COLUMNS} FROM ${s}.events AS e WHERE e.position > $1::bigint ORDER BY e.position LIMIT $2`,
    ),
    head: named("head", `SELECT COALESCE(MAX(position), 0)::text AS head FROM ${s}.events`),
    lastHash: named("last_hash", `SELECT hash FROM ${s}.events ORDER BY position DESC LIMIT 1`),
    chainHead: named(
      "chain_head",
      `SELECT position::text AS position, hash FROM ${s}.events ORDER BY position DESC LIMIT 1`,
    ),
    chain: named(
      "chain",
      `SELECT ${COLUMNS}, e.hash FROM ${s}.events AS e WHERE e.position > $1::bigint ORDER BY e.position LIMIT $2`,
    ),
  };
}

/** An append the round writes: after `lastRevision`, its events carrying `hashes`. */
interface WriteStep {
  readonly pending: PendingAppend;
  readonly lastRevision: number;
  readonly hashes: readonly string[];
}

type Step = { readonly pending: PendingAppend; readonly settle: () => void } | WriteStep;

interface InsertedRow {
  event_id: string;
  revision: string;
  position: string;
}

interface Round {
  readonly steps: Step[];
  readonly deferred: readonly PendingAppend[];
}

/** What the batch's writes came to: how to settle each append once committed, and whether any wrote. */
interface Written {
  readonly outcomes: (() => void)[];
  wrote: boolean;
}

/** One append's writes, sent but not yet taken: opening its savepoint (unless reused) and its insert. */
interface Sent {
  readonly opened: Promise<unknown> | undefined;
  readonly inserted: Promise<pg.QueryResult<InsertedRow>>;
}

type AppendSavepoint = ReturnType<typeof appendSavepoint>;

/**
 * The savepoint each append of a batch writes under, so a failed append is rolled back alone. "none": no
 * savepoint yet; "clean": the current one holds no writes and can be reused; "dirty": the current one holds
 * a successful append, which must be released before the next.
 */
function appendSavepoint(client: pg.PoolClient) {
  let savepoint: "none" | "clean" | "dirty" = "none";
  return {
    /** Opens the next append's savepoint; undefined when the clean one is reused. */
    open(): Promise<unknown> | undefined {
      const opened =
        savepoint === "clean"
          ? undefined
          : client.query(
              savepoint === "none" ? "SAVEPOINT append" : "RELEASE SAVEPOINT append; SAVEPOINT append",
            );
      savepoint = "dirty";
      return opened;
    },
    async rollBack(): Promise<void> {
      await client.query("ROLLBACK TO SAVEPOINT append");
      savepoint = "clean";
    },
  };
}

/**
 * Sends every write of the round without waiting for the previous one (the client pipelines), so a batch
 * costs a few round trips instead of two per append. Undefined for a step that writes nothing.
 */
function sendRound(
  client: pg.PoolClient,
  insert: { name: string; text: string },
  steps: readonly Step[],
  savepoint: AppendSavepoint,
  recordedAt: string,
): (Sent | undefined)[] {
  const sent = steps.map((step): Sent | undefined => {
    if (!("lastRevision" in step)) return undefined;
    const opened = savepoint.open();
    const inserted = client.query<InsertedRow>(
      insert,
      insertValues(step.pending, step.lastRevision, recordedAt, step.hashes),
    );
    return { opened, inserted };
  });
  // Results are taken in order later; until then a rejection must not count as unhandled.
  for (const s of sent) {
    s?.opened?.catch(() => {});
    s?.inserted.catch(() => {});
  }
  return sent;
}

/**
 * Decides, in order, as many appends as can be decided before any of this round's writes return: each
 * against the batch's state as the writes planned before it will leave it. An append that reuses an event
 * id written earlier in the round needs that write's position, so it and those after it wait for the next
 * round.
 */
function planRound(appends: readonly PendingAppend[], state: BatchState, recordedAt: string): Round {
  const lastRevision = new Map(state.lastRevision);
  let headHash = state.headHash;
  const writing = new Set<string>();
  const steps: Step[] = [];
  for (const [i, pending] of appends.entries()) {
    if (pending.events.some((e) => writing.has(e.eventId))) return { steps, deferred: appends.slice(i) };
    let plan: Plan;
    try {
      plan = planAppend(pending, { lastRevision, storedEvents: state.storedEvents });
    } catch (error) {
      steps.push({ pending, settle: () => pending.reject(error) });
      continue;
    }
    if ("retried" in plan) {
      const { retried } = plan;
      steps.push({ pending, settle: () => pending.resolve(retried) });
      continue;
    }
    const hashes = chainHashes(pending, plan.lastRevision, recordedAt, headHash);
    headHash = hashes.at(-1)!;
    steps.push({ pending, lastRevision: plan.lastRevision, hashes });
    lastRevision.set(pending.streamId, plan.lastRevision + pending.events.length);
    for (const e of pending.events) writing.add(e.eventId);
  }
  return { steps, deferred: [] };
}

/** Decides one append against the batch's state. */
function planAppend(pending: PendingAppend, state: Omit<BatchState, "headHash">): Plan {
  const { streamId, events, options } = pending;
  const retried = retriedAppend(streamId, events, (eventId) => state.storedEvents.get(eventId));
  if (retried) return { retried };
  const last = state.lastRevision.get(streamId);
  checkExpectedRevision(streamId, options.expectedRevision, last ?? "no_stream");
  return { lastRevision: last ?? -1 };
}

/** Each event's chain hash, the first chained onto `previousHash`. */
function chainHashes(
  pending: PendingAppend,
  lastRevision: number,
  recordedAt: string,
  previousHash: string,
): string[] {
  let hash = previousHash;
  return pending.events.map((event, i) => {
    const fields = { ...event, streamId: pending.streamId, revision: lastRevision + 1 + i, recordedAt };
    hash = chainHash(hash, fields, pending.dataJson[i]!);
    return hash;
  });
}

function insertValues(
  pending: PendingAppend,
  lastRevision: number,
  recordedAt: string,
  hashes: readonly string[],
): unknown[] {
  const { streamId, events, dataJson } = pending;
  return [
    streamId,
    lastRevision + events.length,
    lastRevision,
    recordedAt,
    events.map((e) => e.eventId),
    events.map((e) => e.type),
    events.map((e) => e.schemaVersion),
    events.map((e) => e.occurredAt),
    events.map((e) => e.correlationId),
    events.map((e) => e.causationId),
    events.map((e) => e.tenantId),
    events.map((e) => e.actor),
    dataJson,
    hashes,
  ];
}

/** What a guessed batch assumes the database holds; `insertAll` checks it before writing. */
interface Assumed {
  /** Each stream's last revision, null for none. */
  readonly lastRevision: Map<string, number | null>;
  readonly headHash: string;
}

/**
 * The batch planned without reading the database, for the common case: every stream is where its first
 * append expects it (an exact revision or no stream), no event id is stored yet, and the chain's head is
 * where this store's last batch left it. Sent with the batch's reads, it saves the round trip between
 * reading and writing; `insertAll` writes it only if the guess holds. Undefined when the batch expects
 * anything the guess cannot state (any revision, an existing stream) or would refuse an append.
 */
function guessBatch(
  batch: readonly PendingAppend[],
  headHash: string,
  recordedAt: string,
): { readonly steps: Step[]; readonly writes: WriteStep[]; readonly assumed: Assumed } | undefined {
  const lastRevision = new Map<string, number | null>();
  for (const { streamId, options } of batch) {
    if (lastRevision.has(streamId)) continue;
    const expected = options.expectedRevision;
    if (expected === "no_stream") lastRevision.set(streamId, null);
    else if (typeof expected === "number") lastRevision.set(streamId, expected);
    else return undefined;
  }
  const known = new Map([...lastRevision].filter((e): e is [string, number] => e[1] !== null));
  const round = planRound(batch, { lastRevision: known, storedEvents: new Map(), headHash }, recordedAt);
  const writes = round.steps.filter((step): step is WriteStep => "lastRevision" in step);
  if (round.deferred.length > 0 || writes.length !== round.steps.length) return undefined;
  return { steps: round.steps, writes, assumed: { lastRevision, headHash } };
}

/** How to settle each of a round's steps once committed, given the results of its writes. */
function settledRound(steps: readonly Step[], results: ReadonlyMap<WriteStep, AppendResult>): Written {
  return {
    outcomes: steps.map((step) => {
      if ("settle" in step) return step.settle;
      const result = results.get(step)!;
      return () => step.pending.resolve(result);
    }),
    wrote: results.size > 0,
  };
}

/** The parameters of `insertAll`: the streams' final revisions, then every event in the order written. */
function insertAllValues(writes: readonly WriteStep[], recordedAt: string): unknown[] {
  const streamRevision = new Map<string, number>();
  const columns: unknown[][] = Array.from({ length: 12 }, () => []);
  const [ids, streams, revisions, types, versions, occurred, correlations, causations, tenants, actors] =
    columns;
  for (const { pending, lastRevision, hashes } of writes) {
    streamRevision.set(pending.streamId, lastRevision + pending.events.length);
    pending.events.forEach((e, i) => {
      ids!.push(e.eventId);
      streams!.push(pending.streamId);
      revisions!.push(lastRevision + 1 + i);
      types!.push(e.type);
      versions!.push(e.schemaVersion);
      occurred!.push(e.occurredAt);
      correlations!.push(e.correlationId);
      causations!.push(e.causationId);
      tenants!.push(e.tenantId);
      actors!.push(e.actor);
      columns[10]!.push(pending.dataJson[i]);
      columns[11]!.push(hashes[i]);
    });
  }
  return [[...streamRevision.keys()], [...streamRevision.values()], recordedAt, ...columns];
}

/**
 * Checks what `insertAll` returned and records it in the batch's state: one row per event, and positions in
 * exactly the order the events were sent, which is the order their chain hashes were computed in. A
 * mismatch throws and fails the whole transaction.
 */
function applyWrites(
  writes: readonly WriteStep[],
  rows: readonly InsertedRow[],
  state: BatchState,
): Map<WriteStep, AppendResult> {
  const sent = writes.flatMap((w) => w.pending.events.map((e) => e.eventId));
  const byPosition = rows
    .map((r) => ({ eventId: r.event_id, position: BigInt(r.position) }))
    .sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
  if (byPosition.length !== sent.length || byPosition.some((r, i) => r.eventId !== sent[i])) {
    throw new EventStoreError(
      `insert returned ${byPosition.length} of ${sent.length} rows, or positions not in the order sent`,
    );
  }
  const results = new Map<WriteStep, AppendResult>();
  let row = 0;
  for (const step of writes) {
    const { streamId, events } = step.pending;
    let position = "";
    events.forEach((event, i) => {
      position = byPosition[row++]!.position.toString();
      state.storedEvents.set(event.eventId, { streamId, revision: step.lastRevision + 1 + i, position });
    });
    const nextExpectedRevision = step.lastRevision + events.length;
    state.lastRevision.set(streamId, nextExpectedRevision);
    results.set(step, { nextExpectedRevision, position });
  }
  state.headHash = writes.at(-1)!.hashes.at(-1)!;
  return results;
}

/**
 * Checks what the insert returned and records it in the batch's state. A mismatch throws and fails the whole
 * transaction: the statements pipelined behind this one have already run, so it cannot be undone alone.
 */
function applyWrite(
  pending: PendingAppend,
  lastRevision: number,
  rows: readonly InsertedRow[],
  state: BatchState,
): AppendResult {
  const { streamId, events } = pending;
  const nextRevision = lastRevision + events.length;
  const written = rows
    .map((r) => ({ eventId: r.event_id, revision: Number(r.revision), position: BigInt(r.position) }))
    .sort((a, b) => a.revision - b.revision);
  for (let i = 1; i < written.length; i++) {
    // The insert relies on rows reaching the sequence in revision order; refuse rather than store a
    // stream whose log order disagrees with its revisions.
    if (written[i]!.position <= written[i - 1]!.position) {
      throw new EventStoreError(`stream ${streamId}: positions were not assigned in revision order`);
    }
  }
  const last = written.at(-1);
  if (written.length !== events.length || !last || last.revision !== nextRevision) {
    throw new EventStoreError(
      `stream ${streamId}: insert returned ${written.length} of ${events.length} rows`,
    );
  }
  state.lastRevision.set(streamId, nextRevision);
  for (const w of written) {
    state.storedEvents.set(w.eventId, { streamId, revision: w.revision, position: w.position.toString() });
  }
  return { nextExpectedRevision: nextRevision, position: last.position.toString() };
}

/**
 * PostgreSQL text cannot hold U+0000 and the client would silently replace a lone surrogate with U+FFFD;
 * refusing both up front keeps "reads back exactly what was appended" true. (`data` is safe: it is JSON
 * text, where both are escaped.)
 */
function assertStorableText(events: readonly EventToAppend[]): void {
  events.forEach((event, i) => {
    for (const field of ["correlationId", "causationId", "tenantId", "actor"] as const) {
      const value = event[field];
      if (value.includes("\u0000") || !value.isWellFormed()) {
        throw new InvalidEventStoreArgument(
          "event_invalid",
          `${i}.${field}: contains U+0000 or a lone surrogate, which PostgreSQL text cannot store`,
        );
      }
    }
  });
}

function errorText(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(errorText).join("; ");
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return error.message || (typeof code === "string" ? code : error.name);
  }
  return String(error);
}
