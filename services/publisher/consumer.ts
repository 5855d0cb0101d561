// The consumer helper for downstream subscribers (and our tests): subscribes to the ledger's topics, parses
// the envelope, drops duplicates (dedupe.ts explains why per-stream revisions suffice), hands each event
// to the handler in per-stream order, and commits a partition's offset only past messages whose handler
// succeeded.
//
// Order: a stream is one key, so one partition; kafkajs hands a partition's batches over one at a time and
// this helper walks each batch in order, awaiting the handler, so a stream's events arrive in revision
// order. Different partitions may run concurrently (`partitionsConsumedConcurrently`).
//
// Offsets: eachBatch with eachBatchAutoResolve off; an offset is resolved after its handler succeeded (or
// the message was a duplicate), and only resolved offsets are committed (at most once a second, on a
// handler failure, and at stop). kafkajs re-fetches from the first unresolved message after a failure.
//
// Guarantee to the handler: each event at least once, in per-stream order; exactly once unless the process
// dies between a handler's success and the dedupe mark (a handler that must be exactly once records its
// effect and the mark in one transaction, or is idempotent).
import type {
  Consumer,
  EachBatchPayload,
  IHeaders,
  KafkaMessage,
  OffsetsByTopicPartition,
  TopicPartitionOffsetAndMetadata,
} from "kafkajs";
import { type EventEnvelope, envelopeSchema } from "../../contracts/envelope.ts";
import { type DedupeStore, InMemoryDedupeStore } from "./dedupe.ts";
import { type KafkaLogger, kafkaClient } from "./kafka-client.ts";
import { HEADER } from "./topics.ts";

export { type DedupeStore, InMemoryDedupeStore, SqliteDedupeStore } from "./dedupe.ts";

export interface EventContext {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | undefined;
  /** Message headers as UTF-8 strings (`event-id`, `event-type`, `schema-version`, `correlation-id`). */
  readonly headers: Readonly<Record<string, string>>;
}

export type EventHandler = (event: EventEnvelope, context: EventContext) => void | Promise<void>;

export interface ConsumeOptions {
  readonly brokers: string[];
  readonly groupId: string;
  /** Topic names or patterns, e.g. `["payments.checkout.v1"]` or `[/^payments\..*\.v1$/]`. */
  readonly topics: readonly (string | RegExp)[];
  readonly handler: EventHandler;
  /** Default: in memory (dedupes within this process's life only). */
  readonly dedupe?: DedupeStore;
  /** Where a group with no committed offset starts: true (default) from the oldest retained message. */
  readonly fromBeginning?: boolean;
  /** Default "bnpl-ledger-consumer". */
  readonly clientId?: string;
  readonly logger?: KafkaLogger;
  /** Partitions handled at the same time (each still in order); default 1. */
  readonly partitionsConsumedConcurrently?: number;
  /** Tries of a failing handler before the batch fails and kafkajs re-fetches it; default 5. */
  readonly handlerAttempts?: number;
  /**
   * Group session timeout; default 10 s (kafkajs' is 30 s). After a broker restart the coordinator waits
   * this long for the member that was lost with the connection before the restarted consumer gets its
   * partitions back, so it bounds the pause after an outage. One handler call must not take longer.
   */
  readonly sessionTimeoutMs?: number;
}

export interface ConsumerStats {
  /** Messages read from the broker, duplicates included. */
  readonly received: number;
  /** Events handed to the handler and completed. */
  readonly handled: number;
  /** Messages dropped as already handled. */
  readonly duplicates: number;
  /** Messages that are not a valid envelope: logged and skipped. */
  readonly invalid: number;
  /** Events whose revision skipped past the next expected one (should stay 0: a sign of lost messages). */
  readonly gaps: number;
}

export interface EventConsumer {
  /** Finishes the message in hand, commits resolved offsets, leaves the group and disconnects. */
  stop(): Promise<void>;
  stats(): ConsumerStats;
}

const silent: KafkaLogger = { info() {}, warn() {}, error() {} };

type Stats = { -readonly [K in keyof ConsumerStats]: ConsumerStats[K] };

/** Subscribes and starts consuming; resolves once the consumer has joined its group. */
export async function consumeEvents(options: ConsumeOptions): Promise<EventConsumer> {
  const logger = options.logger ?? silent;
  const stats: Stats = { received: 0, handled: 0, duplicates: 0, invalid: 0, gaps: 0 };
  const batches = new Batches(messageHandler(options, logger, stats));
  const consumer = groupMember(options, logger);
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      autoCommitInterval: 1_000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => batches.run(payload),
    });
  } catch (error) {
    await consumer.disconnect().catch(() => undefined);
    throw error;
  }

  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= leave(consumer, batches, options.groupId, logger);
      return stopped;
    },
    stats() {
      return { ...stats };
    },
  };
}

/** The kafkajs consumer of the group, restarting itself after a crash (a broker outage, say). */
function groupMember(options: ConsumeOptions, logger: KafkaLogger): Consumer {
  const kafka = kafkaClient(
    {
      clientId: options.clientId ?? "bnpl-ledger-consumer",
      brokers: options.brokers,
      connectionTimeout: 3_000,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2_000 },
    },
    logger,
  );
  const sessionTimeout = options.sessionTimeoutMs ?? 10_000;
  const consumer = kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    sessionTimeout,
    heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeout / 3)),
    // Keep trying through a broker outage: after the retries above a crash restarts the consumer, which
    // resumes from the committed offsets.
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2_000, restartOnFailure: async () => true },
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    logger.warn(
      { err: payload.error, groupId: options.groupId, restart: payload.restart },
      "kafka consumer crashed; restarting",
    );
  });
  return consumer;
}

type HandleMessage = (topic: string, partition: number, message: KafkaMessage) => Promise<void>;

/** One message: parsed, dropped if a duplicate, handed to the handler (with retries), marked handled. */
function messageHandler(options: ConsumeOptions, logger: KafkaLogger, stats: Stats): HandleMessage {
  const dedupe = options.dedupe ?? new InMemoryDedupeStore();
  const attempts = options.handlerAttempts ?? 5;
  return async (topic, partition, message) => {
    stats.received++;
    const headers = stringHeaders(message.headers);
    const key = message.key?.toString();
    const event = parse(message.value, headers);
    if (typeof event === "string") {
      stats.invalid++;
      logger.error(
        { topic, partition, offset: message.offset, key, reason: event },
        "not a ledger event envelope; skipped",
      );
      return;
    }
    const last = await dedupe.lastHandled(event.streamId);
    if (last && event.revision <= last.revision) {
      stats.duplicates++;
      return;
    }
    if (last && event.revision > last.revision + 1) {
      stats.gaps++;
      logger.warn(
        { streamId: event.streamId, expected: last.revision + 1, got: event.revision, topic, partition },
        "stream revision gap: events missing upstream",
      );
    }
    const context: EventContext = { topic, partition, offset: message.offset, key, headers };
    await withRetries(attempts, logger, event, () => options.handler(event, context));
    await dedupe.markHandled(event);
    stats.handled++;
  };
}

/** Runs the handler up to `attempts` times, backing off between tries; the last failure propagates. */
async function withRetries(
  attempts: number,
  logger: KafkaLogger,
  event: EventEnvelope,
  handle: () => void | Promise<void>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await handle();
      return;
    } catch (error) {
      if (attempt >= attempts) throw error;
      logger.warn(
        { err: error, eventId: event.eventId, streamId: event.streamId, attempt },
        "event handler failed, retrying",
      );
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
}

/**
 * Walks each partition batch in order. Offsets are resolved one by one after each handler and committed at
 * most once a second (kafkajs' autoCommit would commit after every partition batch, a broker round trip
 * each), when a handler fails, and at stop. What is not committed yet is read again after a crash and
 * dropped by the dedupe store.
 */
class Batches {
  readonly #handle: HandleMessage;
  #stopping = false;
  #inFlight = 0;
  #settled: (() => void) | undefined;
  #uncommitted: (() => OffsetsByTopicPartition) | undefined;

  constructor(handle: HandleMessage) {
    this.#handle = handle;
  }

  async run(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary } = payload;
    if (this.#stopping) return;
    this.#inFlight++;
    this.#uncommitted = payload.uncommittedOffsets;
    try {
      for (const message of batch.messages) {
        if (this.#stopping || !isRunning() || isStale()) break;
        await this.#handle(batch.topic, batch.partition, message);
        resolveOffset(message.offset);
        await heartbeat();
      }
      await commitOffsetsIfNecessary();
    } catch (error) {
      // Keep what succeeded before the failure; kafkajs then re-fetches from the first unresolved message.
      await commitOffsetsIfNecessary(payload.uncommittedOffsets()).catch(() => undefined);
      throw error;
    } finally {
      this.#inFlight--;
      if (this.#inFlight === 0) this.#settled?.();
    }
  }

  /** Takes no more batches; resolves, once the batches in hand are done, with the offsets to commit. */
  async stop(): Promise<TopicPartitionOffsetAndMetadata[]> {
    this.#stopping = true;
    if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#settled = resolve));
    return (this.#uncommitted?.().topics ?? []).flatMap(({ topic, partitions }) =>
      partitions.map(({ partition, offset }) => ({ topic, partition, offset })),
    );
  }
}

/** Finishes the batches in hand, commits their resolved offsets, leaves the group. */
async function leave(consumer: Consumer, batches: Batches, groupId: string, logger: KafkaLogger) {
  const offsets = await batches.stop();
  if (offsets.length > 0) {
    await consumer.commitOffsets(offsets).catch((error: unknown) => {
      logger.warn({ err: error, groupId }, "could not commit offsets at stop; they will be re-read");
    });
  }
  await consumer.disconnect();
}

/** The envelope, or why the message is not one. */
function parse(value: Buffer | null, headers: Record<string, string>): EventEnvelope | string {
  if (value === null) return "empty value (tombstone)";
  let json: unknown;
  try {
    json = JSON.parse(value.toString("utf8"));
  } catch {
    return "value is not JSON";
  }
  const result = envelopeSchema.safeParse(json);
  if (!result.success) return `value is not an envelope: ${result.error.issues[0]!.message}`;
  const event = result.data as EventEnvelope;
  const headerId = headers[HEADER.eventId];
  if (headerId !== undefined && headerId !== event.eventId) {
    return `header ${HEADER.eventId} ${headerId} does not match the envelope's ${event.eventId}`;
  }
  return event;
}

function stringHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.map(String).join(",") : value.toString();
  }
  return out;
}
