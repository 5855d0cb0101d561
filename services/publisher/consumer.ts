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
import {
  type EachBatchPayload,
  type IHeaders,
  Kafka,
  type KafkaMessage,
  type logCreator,
  logLevel,
  type OffsetsByTopicPartition,
} from "kafkajs";
import { type EventEnvelope, envelopeSchema } from "../../contracts/envelope.ts";
import { type DedupeStore, InMemoryDedupeStore } from "./dedupe.ts";
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

export interface ConsumerLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
  debug?(object: object, message: string): void;
}

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
  readonly logger?: ConsumerLogger;
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

const silent: ConsumerLogger = { info() {}, warn() {}, error() {} };

/** Subscribes and starts consuming; resolves once the consumer has joined its group. */
export async function consumeEvents(options: ConsumeOptions): Promise<EventConsumer> {
  const logger = options.logger ?? silent;
  const dedupe = options.dedupe ?? new InMemoryDedupeStore();
  const attempts = options.handlerAttempts ?? 5;
  const stats = { received: 0, handled: 0, duplicates: 0, invalid: 0, gaps: 0 };

  const kafka = new Kafka({
    clientId: options.clientId ?? "bnpl-ledger-consumer",
    brokers: options.brokers,
    connectionTimeout: 3_000,
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2_000 },
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
  });
  const consumer = kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: options.sessionTimeoutMs ?? 10_000,
    heartbeatInterval: Math.min(3_000, Math.floor((options.sessionTimeoutMs ?? 10_000) / 3)),
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

  const handleMessage = async (topic: string, partition: number, message: KafkaMessage): Promise<void> => {
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
    for (let attempt = 1; ; attempt++) {
      try {
        await options.handler(event, context);
        break;
      } catch (error) {
        if (attempt >= attempts) throw error;
        logger.warn(
          { err: error, eventId: event.eventId, streamId: event.streamId, attempt },
          "event handler failed, retrying",
        );
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
    await dedupe.markHandled(event);
    stats.handled++;
  };

  // Offsets: resolved one by one after each handler; committed at most once a second (kafkajs' autoCommit
  // would commit after every partition batch, a broker round trip each), when a handler fails, and at stop.
  // What is not committed yet is read again after a crash and dropped by the dedupe store.
  let stopping = false;
  let inFlight = 0;
  let settled: (() => void) | undefined;
  let uncommitted: (() => OffsetsByTopicPartition) | undefined;

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary } = payload;
    if (stopping) return;
    inFlight++;
    uncommitted = payload.uncommittedOffsets;
    try {
      for (const message of batch.messages) {
        if (stopping || !isRunning() || isStale()) break;
        await handleMessage(batch.topic, batch.partition, message);
        resolveOffset(message.offset);
        await heartbeat();
      }
      await commitOffsetsIfNecessary();
    } catch (error) {
      // Keep what succeeded before the failure; kafkajs then re-fetches from the first unresolved message.
      await commitOffsetsIfNecessary(payload.uncommittedOffsets()).catch(() => undefined);
      throw error;
    } finally {
      inFlight--;
      if (inFlight === 0) settled?.();
    }
  };

  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      autoCommitInterval: 1_000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachBatch,
    });
  } catch (error) {
    await consumer.disconnect().catch(() => undefined);
    throw error;
  }

  const stop = async (): Promise<void> => {
    stopping = true;
    if (inFlight > 0) await new Promise<void>((resolve) => (settled = resolve));
    const offsets = (uncommitted?.().topics ?? []).flatMap(({ topic, partitions }) =>
      partitions.map(({ partition, offset }) => ({ topic, partition, offset })),
    );
    if (offsets.length > 0) {
      await consumer.commitOffsets(offsets).catch((error: unknown) => {
        logger.warn(
          { err: error, groupId: options.groupId },
          "could not commit offsets at stop; they will be re-read",
        );
      });
    }
    await consumer.disconnect();
  };

  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= stop();
      return stopped;
    },
    stats() {
      return { ...stats };
    },
  };
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
  if (!result.success) return `value is not an envelope: ${result.error.issues[0]?.message ?? "invalid"}`;
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

function kafkaLogCreator(logger: ConsumerLogger): logCreator {
  return () =>
    ({ namespace, label, log }) => {
      const { message, ...rest } = log;
      logger.debug?.({ kafkajs: namespace, level: label, ...rest }, String(message));
    };
}
