import {
  type AllStreamResolvedEvent,
  BACKWARDS,
  CancelledError,
  DeadlineExceededError,
  END,
  EventStoreDBClient,
  excludeSystemEvents,
  FORWARDS,
  isCommandError,
  type JSONType,
  jsonEvent,
  NO_STREAM,
  NotLeaderError,
  type ReadPosition,
  type ReadRevision,
  type ResolvedEvent,
  START,
  type StreamingRead,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
} from "@eventstore/db-client";
import type { EventEnvelope } from "../../../contracts/envelope.ts";
import { retriedAppend, type StoredAt } from "./append-rules.ts";
import { type ChainHead, type ChainLink, chainHash, EMPTY_CHAIN } from "./chain.ts";
import {
  CLAIM_EVENT_TYPE,
  claimStream,
  decodePosition,
  describeServer,
  type EsdbPosition,
  encodePosition,
  fromEsdbCurrentRevision,
  isSystemRecord,
  positionAfter,
  type RecordedLike,
  revisionToNumber,
  toEnvelope,
  toEsdbExpectedRevision,
  toLedgerMetadata,
} from "./esdb-mapping.ts";
import { type RetryInfo, resubscribingSubscription, type SubscriptionSource } from "./esdb-subscription.ts";
import {
  type AppendOptions,
  type AppendResult,
  DuplicateEventId,
  type EventStore,
  EventStoreClosed,
  EventStoreError,
  EventStoreUnavailable,
  type EventToAppend,
  type ExpectedRevision,
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

export interface EsdbEventStoreOptions {
  /**
   * e.g. `esdb://eventstore:2113?tls=false&keepAliveInterval=10000`. Parsed by the client itself: TLS is on
   * unless the string says `tls=false`; `keepAliveInterval` / `keepAliveTimeout` (ms, default 10 000 each)
   * set the gRPC keep-alive pings that detect a dead connection under an idle subscription; credentials,
   * `tlsCAFile`, `defaultDeadline` and cluster discovery (`esdb+discover://`) work as the client documents.
   */
  readonly connectionString: string;
  /** How long open() waits for the server to answer its first read. Default 10 s. */
  readonly connectTimeoutMs?: number;
  /** Event-id claims written in parallel by one append. Default 32. */
  readonly claimConcurrency?: number;
  /** Backoff of a subscription resubscribing after a drop. Defaults 100 ms doubling to 5 s. */
  readonly resubscribeInitialBackoffMs?: number;
  readonly resubscribeMaxBackoffMs?: number;
  /** Sees every transient subscription drop before the resubscribe (to log it). */
  readonly onSubscriptionRetry?: (info: RetryInfo) => void;
}

type Claim = { readonly kind: "new" } | { readonly kind: "ours" } | { readonly kind: "other"; owner: string };

/** Backwards pages when looking for a retried append's events, and for the head. */
const LOCATE_PAGE = 256;
const HEAD_PAGE = 100;

/**
 * The event store on EventStoreDB (>= 22.6; tested image 24.10) through @eventstore/db-client v6.
 *
 * Streams are ESDB streams named as the ledger names them; each event is a JSON event whose id is our
 * eventId, whose data is the event's data and whose metadata holds the rest of the envelope
 * (esdb-mapping.ts). The global log is `$all` without ESDB's system records; positions are commit
 * positions (esdb-mapping.ts explains why that is exact). Optimistic concurrency is ESDB's own
 * expected-revision check, done atomically by the server.
 *
 * IDEMPOTENT APPEND, and what it costs. The port promises what the SQLite adapter does: re-appending events
 * already stored (same ids, same stream, consecutive revisions) returns the original result and writes
 * nothing; an id stored anywhere else, or an append only partly stored, is refused with DuplicateEventId.
 * ESDB's own idempotency does not give that: it only recognises a retry when the expected revision matches
 * where the events went (or, for `any`, from a bounded cache), and event ids are unique per stream only, so
 * ESDB happily stores the same id in two streams. So this adapter does it explicitly:
 *
 * 1. Claim every event id before writing the events: append one small "$ledger.event-id-claimed" event
 *    (data: the stream id) to the stream `ledger.event-id-<id>` expecting no_stream. ESDB indexes stream
 *    names, so this is the only O(1) global lookup by id it offers, and expecting no_stream makes the claim
 *    atomic: of two appends racing with one id, one claim wins. A claim that already exists names the
 *    stream that owns the id; another stream → DuplicateEventId, nothing written.
 * 2. Only when some claim already existed for this same stream (a retry, or an earlier attempt that failed
 *    after claiming) read the stream backwards until those ids are found or its start is reached. All found
 *    at consecutive revisions from the first event → the original result; some found in another shape →
 *    DuplicateEventId; none found → the earlier attempt never wrote them, append normally.
 * 3. Append the events with the expected revision.
 *
 * Cost: every append writes one extra tiny event per event (claims run in parallel, `claimConcurrency` at
 * a time, so an append costs about two round trips instead of one), and the log and the stream index grow
 * by one stream per event. The read in step 2 happens only on retries: a genuine retry finds its events in
 * the last page; an id reused after a failed attempt pays a scan of the whole stream. Claims outlive a failed
 * append, so an id once tried on a stream can never be used on another (the command handler mints fresh ids
 * per attempt, so this only stops genuine misuse). Claims are invisible through the port: their type starts
 * with "$", so excludeSystemEvents() and this adapter's own filter drop them, and they never move the head.
 * Residual race: two concurrent appends of the same new ids to the same stream can both find the other's
 * claim before either has written; ESDB's own idempotency then decides, and with `any` it is best-effort.
 *
 * Subscriptions: `subscribeToAll` with `excludeSystemEvents()`, handled sequentially, resubscribing from the
 * last handled position with backoff when the subscription drops (esdb-subscription.ts).
 *
 * Hash chain: ESDB assigns `recordedAt` and the position at commit, and appends to different streams commit
 * concurrently, so no writer knows its predecessor's hash before writing. Here the chain is derived on read
 * instead (same encoding, chain.ts), walking $all from the start; ESDB never rewrites a committed event, and
 * a head an auditor recorded earlier still proves the prefix it covers unchanged (docs/audit.md).
 *
 * Errors: arguments are validated before anything is sent; WrongExpectedVersionError becomes
 * WrongExpectedRevision (a missing stream is "no_stream"); anything the server or network throws becomes
 * EventStoreUnavailable naming the server (never the credentials); calls after close() reject with
 * EventStoreClosed.
 */
export class EsdbEventStore implements EventStore {
  readonly #client: EventStoreDBClient;
  readonly #server: string;
  readonly #claimConcurrency: number;
  readonly #options: EsdbEventStoreOptions;
  readonly #subscriptions = new Set<Subscription>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;
  /** The chain as far as it was last derived, so reading it page after page stays linear. */
  #chainSoFar: ChainHead = EMPTY_CHAIN;

  /** Connects and checks that the server answers; rejects with EventStoreUnavailable naming it otherwise. */
  static async open(options: EsdbEventStoreOptions): Promise<EsdbEventStore> {
    const store = new EsdbEventStore(options);
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        store.headPosition(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (error) {
      // Not close(): it would wait for the unanswered probe.
      store.#closed = true;
      await store.#client.dispose().catch(() => {});
      throw error instanceof EventStoreUnavailable ? error : store.#unavailable(error);
    } finally {
      clearTimeout(timer);
    }
    return store;
  }

  /** Connects lazily: nothing is sent before the first call. Prefer open(), which checks the server. */
  constructor(options: EsdbEventStoreOptions) {
    this.#options = options;
    this.#server = describeServer(options.connectionString);
    this.#claimConcurrency = options.claimConcurrency ?? 32;
    try {
      this.#client = EventStoreDBClient.connectionString(options.connectionString);
    } catch (error) {
      throw new EventStoreError(`${this.#server}: invalid connection string: ${messageOf(error)}`, {
        cause: error,
      });
    }
  }

  append(streamId: string, events: readonly EventToAppend[], options: AppendOptions): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new EventStoreClosed());
    try {
      validateAppend(streamId, events, options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#call(() => this.#append(streamId, events, options.expectedRevision));
  }

  async #append(
    streamId: string,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    const claims = await mapLimit(events, this.#claimConcurrency, (event) =>
      this.#claim(event.eventId, streamId),
    );
    claims.forEach((claim, i) => {
      if (claim.kind === "other") {
        throw new DuplicateEventId(events[i]!.eventId, `claimed by stream ${claim.owner}`);
      }
    });
    const claimedBefore = new Set(events.filter((_, i) => claims[i]!.kind === "ours").map((e) => e.eventId));
    if (claimedBefore.size > 0) {
      const retried = await this.#alreadyAppended(streamId, events, claimedBefore);
      if (retried) return retried;
    }

    let result: Awaited<ReturnType<EventStoreDBClient["appendToStream"]>>;
    try {
      result = await this.#client.appendToStream(
        streamId,
        events.map((event) =>
          jsonEvent({
            id: event.eventId,
            type: event.type,
            // Any JSON value; the client serialises it with JSON.stringify, as validateAppend checked.
            data: event.data as JSONType,
            metadata: toLedgerMetadata(event),
          }),
        ),
        { expectedRevision: toEsdbExpectedRevision(expected) },
      );
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        throw new WrongExpectedRevision(streamId, expected, fromEsdbCurrentRevision(error.actualVersion));
      }
      throw error;
    }
    if (!result.success) {
      // Only with throwOnAppendFailure=false in the connection string; its reported revision is unreliable.
      throw new WrongExpectedRevision(streamId, expected, await this.#lastRevision(streamId));
    }
    const position = result.position
      ? encodePosition(result.position, `the append to ${streamId}`)
      : await this.#positionOf(streamId, result.nextExpectedRevision);
    return { nextExpectedRevision: revisionToNumber(result.nextExpectedRevision), position };
  }

  /** Claims `eventId` for `streamId`, or says who already holds it. */
  async #claim(eventId: string, streamId: string): Promise<Claim> {
    try {
      const claimed = await this.#client.appendToStream(
        claimStream(eventId),
        jsonEvent({ type: CLAIM_EVENT_TYPE, data: { streamId } }),
        { expectedRevision: NO_STREAM },
      );
      // success is false instead of a thrown error only with throwOnAppendFailure=false.
      if (claimed.success) return { kind: "new" };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
    }
    const [first] = await this.#readStreamRaw(claimStream(eventId), {
      direction: FORWARDS,
      fromRevision: START,
      maxCount: 1,
    });
    const owner = (first?.event?.data as { streamId?: unknown } | undefined)?.streamId;
    if (typeof owner !== "string") {
      throw new EventStoreError(`the claim stream ${claimStream(eventId)} holds no stream id`);
    }
    return owner === streamId ? { kind: "ours" } : { kind: "other", owner };
  }

  /**
   * The original result if these events are already the stream's, consecutively from the first; undefined
   * if none of them is in the stream; DuplicateEventId for anything in between (append-rules.ts).
   */
  async #alreadyAppended(
    streamId: string,
    events: readonly EventToAppend[],
    claimedBefore: ReadonlySet<string>,
  ): Promise<AppendResult | undefined> {
    const found = new Map<string, StoredAt>();
    let from: ReadRevision = END;
    for (;;) {
      const page = await this.#readStreamRaw(streamId, {
        direction: BACKWARDS,
        fromRevision: from,
        maxCount: LOCATE_PAGE,
      });
      for (const { event } of page) {
        if (event && claimedBefore.has(event.id)) {
          found.set(event.id, {
            streamId,
            revision: revisionToNumber(event.revision),
            position: encodePosition(event.position, `event ${event.id} in ${streamId}`),
          });
        }
      }
      const oldest = page.at(-1)?.event?.revision;
      if (
        found.size === claimedBefore.size ||
        page.length < LOCATE_PAGE ||
        oldest === undefined ||
        oldest === 0n
      ) {
        break;
      }
      from = oldest - 1n;
    }
    return retriedAppend(streamId, events, (eventId) => found.get(eventId));
  }

  async #lastRevision(streamId: string): Promise<number | "no_stream"> {
    const [last] = await this.#readStreamRaw(streamId, {
      direction: BACKWARDS,
      fromRevision: END,
      maxCount: 1,
    });
    return last?.event ? revisionToNumber(last.event.revision) : "no_stream";
  }

  /** For a server that answered an append without a position: the position of the event it ended at. */
  async #positionOf(streamId: string, revision: bigint): Promise<string> {
    const [event] = await this.#readStreamRaw(streamId, {
      direction: FORWARDS,
      fromRevision: revision,
      maxCount: 1,
    });
    return encodePosition(event?.event?.position, `the append to ${streamId}`);
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<EventEnvelope[]> {
    this.#assertOpen();
    validateReadStream(streamId, options);
    return this.#call(async () => {
      const backwards = options?.direction === "backwards";
      const from = options?.fromRevision;
      const page = await this.#readStreamRaw(streamId, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision: from === undefined ? (backwards ? END : START) : BigInt(from),
        maxCount: options?.maxCount ?? MAX_PAGE,
      });
      return page.map((resolved) => toEnvelope(recordedOf(resolved)));
    });
  }

  /** A stream's records; an absent stream (ESDB: StreamNotFoundError) reads as empty. */
  async #readStreamRaw(
    streamId: string,
    options: { direction: typeof FORWARDS | typeof BACKWARDS; fromRevision: ReadRevision; maxCount: number },
  ): Promise<ResolvedEvent[]> {
    try {
      return await collect(this.#client.readStream(streamId, options));
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
  }

  async readAll(options: ReadAllOptions): Promise<EventEnvelope[]> {
    this.#assertOpen();
    validateReadAll(options);
    return this.#call(() => this.#readAllAfter(options.after, options.maxCount ?? MAX_PAGE));
  }

  async readChain(options: ReadAllOptions): Promise<ChainLink[]> {
    this.#assertOpen();
    validateReadAll(options);
    return this.#call(async () => {
      const links = this.#chained(
        await this.#chainTo(options.after),
        await this.#readAllAfter(options.after, options.maxCount ?? MAX_PAGE),
      );
      if (links.length > 0) this.#chainSoFar = { position: links.at(-1)!.position, hash: links.at(-1)!.hash };
      return links;
    });
  }

  async chainHead(): Promise<ChainHead> {
    this.#assertOpen();
    return this.#call(async () => {
      let head = this.#chainSoFar;
      for (;;) {
        const links = this.#chained(head, await this.#readAllAfter(head.position, MAX_PAGE));
        if (links.length === 0) break;
        head = { position: links.at(-1)!.position, hash: links.at(-1)!.hash };
      }
      this.#chainSoFar = head;
      return head;
    });
  }

  /** The chain's link at `position` (which must be an event's position, or "0"). */
  async #chainTo(position: string): Promise<ChainHead> {
    let head = positionAfter(position, this.#chainSoFar.position) ? this.#chainSoFar : EMPTY_CHAIN;
    if (position === this.#chainSoFar.position) head = this.#chainSoFar;
    while (head.position !== position) {
      const page = await this.#readAllAfter(head.position, MAX_PAGE);
      const upTo = page.filter((e) => !positionAfter(e.position, position));
      const links = this.#chained(head, upTo);
      if (links.length === 0) break;
      head = { position: links.at(-1)!.position, hash: links.at(-1)!.hash };
      if (upTo.length < page.length) break;
    }
    return head;
  }

  #chained(from: ChainHead, events: readonly EventEnvelope[]): ChainLink[] {
    let hash = from.hash;
    return events.map(({ data, ...fields }) => {
      const dataJson = JSON.stringify(data);
      hash = chainHash(hash, fields, dataJson);
      return { ...fields, dataJson, hash };
    });
  }

  /**
   * Up to maxCount ledger events strictly after `after`. ESDB reads $all from a position inclusively and
   * counts system records against maxCount, so this reads in chunks, each one more than still needed and
   * starting at the last record seen (then skipped), until it has maxCount events or reaches the end.
   */
  async #readAllAfter(after: string, maxCount: number): Promise<EventEnvelope[]> {
    const start = decodePosition(after);
    if (start.kind === "beyond") return [];
    const events: EventEnvelope[] = [];
    let from: ReadPosition = start.kind === "start" ? START : start.position;
    let boundary = BigInt(after);
    while (events.length < maxCount) {
      const requested = maxCount - events.length + 1;
      const chunk = await collect(
        this.#client.readAll({ direction: FORWARDS, fromPosition: from, maxCount: requested }),
      );
      for (const resolved of chunk) {
        const recorded = recordedOf(resolved);
        const position = rawPosition(resolved);
        if (position.commit <= boundary) continue;
        boundary = position.commit;
        if (isSystemRecord(recorded.streamId, recorded.type)) continue;
        events.push(toEnvelope(recorded));
        if (events.length === maxCount) break;
      }
      const last = chunk.at(-1);
      if (chunk.length < requested || !last) break;
      from = rawPosition(last);
    }
    return events;
  }

  async headPosition(): Promise<string> {
    this.#assertOpen();
    return this.#call(async () => {
      // Backwards reads of $all are exclusive of the position they start at.
      let before: EsdbPosition | undefined;
      for (;;) {
        const chunk = await collect(
          this.#client.readAll({ direction: BACKWARDS, fromPosition: before ?? END, maxCount: HEAD_PAGE }),
        );
        for (const resolved of chunk) {
          const recorded = recordedOf(resolved);
          if (!isSystemRecord(recorded.streamId, recorded.type)) {
            return encodePosition(rawPosition(resolved), `event ${recorded.id}`);
          }
        }
        const last = chunk.at(-1);
        if (chunk.length < HEAD_PAGE || !last) return "0";
        const next = rawPosition(last);
        if (before !== undefined && next.commit >= before.commit) {
          throw new EventStoreError(
            `${this.#server}: reading $all backwards did not move past ${next.commit}`,
          );
        }
        before = next;
      }
    });
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    this.#assertOpen();
    validatePosition(options.after);
    const subscription = resubscribingSubscription<AllStreamResolvedEvent>({
      after: options.after,
      onEvent: options.onEvent,
      onError: options.onError,
      open: (after, confirmed) => this.#openSubscription(after, confirmed),
      toEvent: (resolved) => {
        const recorded = recordedOf(resolved);
        return isSystemRecord(recorded.streamId, recorded.type) ? undefined : toEnvelope(recorded);
      },
      isTransient: isTransientError,
      initialBackoffMs: this.#options.resubscribeInitialBackoffMs,
      maxBackoffMs: this.#options.resubscribeMaxBackoffMs,
      onRetry: this.#options.onSubscriptionRetry,
    });
    this.#subscriptions.add(subscription);
    return subscription;
  }

  #openSubscription(after: string, confirmed: () => void): SubscriptionSource<AllStreamResolvedEvent> {
    const start = decodePosition(after);
    const stream = this.#client.subscribeToAll({
      // ESDB subscriptions start strictly after fromPosition; "beyond" has nothing after it, so END.
      fromPosition: start.kind === "start" ? START : start.kind === "beyond" ? END : start.position,
      filter: excludeSystemEvents(),
      resolveLinkTos: false,
    });
    // The iteration sees errors through its own listener; this one keeps an error emitted after the
    // iteration has ended (the client forwards gRPC errors on its own schedule) from crashing the process.
    stream.on("error", () => {});
    stream.once("confirmation", confirmed);
    let closing: Promise<void> | undefined;
    return {
      [Symbol.asyncIterator]: () => stream[Symbol.asyncIterator](),
      close: () => {
        closing ??= (async () => {
          // unsubscribe() cancels the gRPC call; destroy() ends an iteration waiting for the next item.
          await stream.unsubscribe().catch(() => {});
          stream.destroy();
        })();
        return closing;
      },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((s) => s.stop()));
    // Appends already sent finish (or fail) before the connection goes.
    await Promise.allSettled([...this.#inFlight]);
    await this.#client.dispose().catch(() => {});
  }

  #assertOpen(): void {
    if (this.#closed) throw new EventStoreClosed();
  }

  /** Runs one port call: tracked for close(), errors translated. */
  #call<T>(work: () => Promise<T>): Promise<T> {
    const running = work().catch((error: unknown) => {
      throw this.#translate(error);
    });
    this.#inFlight.add(running);
    const untrack = () => this.#inFlight.delete(running);
    running.then(untrack, untrack);
    return running;
  }

  #translate(error: unknown): Error {
    if (error instanceof EventStoreError) return error;
    if (this.#closed) return new EventStoreClosed();
    return this.#unavailable(error);
  }

  #unavailable(error: unknown): EventStoreUnavailable {
    return new EventStoreUnavailable(`${this.#server}: ${messageOf(error)}`, { cause: error });
  }
}

/** Errors after which a dropped subscription is worth resubscribing: the network, the server restarting. */
function isTransientError(error: unknown): boolean {
  if (error instanceof EventStoreError) return false;
  // Not a client CommandError: a raw gRPC or socket error, or the stream closing under the iteration.
  if (!(error instanceof Error) || !isCommandError(error)) return true;
  return (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof CancelledError ||
    error instanceof TimeoutError ||
    error instanceof UnknownError ||
    error instanceof NotLeaderError
  );
}

/** Reads a client stream to the end; its errors (StreamNotFoundError included) reject. */
async function collect<T>(stream: StreamingRead<T>): Promise<T[]> {
  // See #openSubscription: an error emitted after the iteration ended must not crash the process.
  stream.on("error", () => {});
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

/** Reads never resolve links here, so every resolved event carries its own record. */
function recordedOf(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedLike {
  if (!resolved.event) throw new EventStoreError("EventStoreDB sent a resolved event without its record");
  return resolved.event;
}

/** The $all position of a record as ESDB reports it, for paging (system records included). */
function rawPosition(resolved: ResolvedEvent | AllStreamResolvedEvent): EsdbPosition {
  const position = resolved.event?.position;
  if (position) return position;
  if (resolved.commitPosition !== undefined) {
    return { commit: resolved.commitPosition, prepare: resolved.commitPosition };
  }
  throw new EventStoreError("EventStoreDB sent a $all record without a position");
}

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
