// The publisher: tails the event log from its checkpoint and produces every event to Kafka (DESIGN.md
// "Kafka"). One loop, one page at a time:
//
//   read a page after the checkpoint → sendBatch (idempotent producer, acks=-1) → await the acks
//   → save checkpoint = last position of the page → next page
//
// The checkpoint moves only after the broker acknowledged, so a crash or a failed send re-sends from the
// last saved position: at least once, never a gap. Duplicates on the wire are for consumers to drop
// (services/publisher/consumer.ts does, by stream revision).
//
// Order: key = stream id, so a stream's events go to one partition in log order. The idempotent producer
// with one request in flight keeps that order through its own retries. After any Kafka error the producer
// is thrown away and a fresh one (new producer id) re-sends the page, so no half-known sequence state
// survives an outage; what reached the broker before the error comes again after it, as duplicates.
import {
  type Admin,
  Kafka,
  type KafkaConfig,
  type logCreator,
  logLevel,
  Partitioners,
  type Producer,
  type TopicMessages,
} from "kafkajs";
import { type EventEnvelope, streamKind } from "../../contracts/envelope.ts";
import type { EventStore, Subscription } from "../platform/eventstore/port.ts";
import type { PublisherCheckpoint } from "./checkpoint.ts";
import { DEFAULT_TOPIC_PREFIX, KNOWN_KINDS, toMessage, topicFor } from "./topics.ts";

export interface PublisherLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
  debug?(object: object, message: string): void;
}

export interface PublisherOptions {
  readonly store: EventStore;
  readonly checkpoint: PublisherCheckpoint;
  readonly brokers: string[];
  readonly logger: PublisherLogger;
  /** Kafka client id; default "bnpl-ledger-publisher". */
  readonly clientId?: string;
  /** Topics are `<topicPrefix>.<kind>.v1`; default "payments". Tests use their own prefix. */
  readonly topicPrefix?: string;
  /** Partitions of a topic the publisher creates; default 6. Never raise it on a live topic: keys would move. */
  readonly partitions?: number;
  /** retention.ms of a topic the publisher creates; default 7 days. */
  readonly retentionMs?: number;
  /** Replication factor of a topic the publisher creates; default 1. */
  readonly replicationFactor?: number;
  /** Stream kinds whose topics are created at start; default the kinds of DESIGN.md. Others on first sight. */
  readonly kinds?: readonly string[];
  /** Events read and sent per batch; default 500. */
  readonly pageSize?: number;
  /** A page is cut short once its values reach this many bytes (one event always goes); default 900 kB. */
  readonly maxBatchBytes?: number;
  /**
   * When caught up, how often to look for events appended by another process (the store pushes only
   * in-process appends); default 100 ms.
   */
  readonly pollIntervalMs?: number;
  /** While idle, how often to check the broker still answers (for status); default 5 s. */
  readonly healthCheckMs?: number;
  /** Backoff after a failure: from `initialMs`, doubling, jittered, capped at `maxMs`; default 250 ms → 10 s. */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /** kafkajs connection timeout; default 3 s. */
  readonly connectionTimeoutMs?: number;
  /** kafkajs request timeout; default 30 s. */
  readonly requestTimeoutMs?: number;
  /** How long stop() waits for a send in flight before dropping the connection; default 5 s. */
  readonly stopTimeoutMs?: number;
}

export interface PublisherStatus {
  /** The last exchange with the broker succeeded. False before the first one and after any Kafka error. */
  readonly connected: boolean;
  /** The last failure (Kafka, store or checkpoint), cleared by the next successful send. */
  readonly lastError?: string;
  /** The checkpoint: position of the last event the broker acknowledged. */
  readonly position: string;
  /** Log head when last looked at. */
  readonly head?: string;
  /** head − position, in positions (a decimal string, as positions are 64-bit). */
  readonly lag?: string;
  readonly brokers: readonly string[];
  /** Events acknowledged since start (duplicates re-sent after a failure count again). */
  readonly published: number;
  readonly stopped: boolean;
}

export interface Publisher {
  /** Stops after the page in hand (bounded by stopTimeoutMs) and disconnects; the checkpoint stays saved. */
  stop(): Promise<void>;
  status(): PublisherStatus;
  /** Resolves true once every event up to `position` is acknowledged, false after `timeoutMs`. */
  caughtUp(position: string, timeoutMs: number): Promise<boolean>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Starts the loop and returns at once: an unreachable broker shows in status(), it does not fail the start. */
export async function startPublisher(options: PublisherOptions): Promise<Publisher> {
  const { store, checkpoint, logger } = options;
  const brokers = [...options.brokers];
  if (brokers.length === 0) throw new Error("publisher: no Kafka brokers given");
  const prefix = options.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
  const partitions = options.partitions ?? 6;
  const replicationFactor = options.replicationFactor ?? 1;
  const retentionMs = options.retentionMs ?? 7 * DAY_MS;
  const pageSize = options.pageSize ?? 500;
  const maxBatchBytes = options.maxBatchBytes ?? 900_000;
  const pollIntervalMs = options.pollIntervalMs ?? 100;
  const healthCheckMs = options.healthCheckMs ?? 5_000;
  const initialBackoff = options.backoff?.initialMs ?? 250;
  const maxBackoff = options.backoff?.maxMs ?? 10_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 5_000;

  const kafka = new Kafka({
    clientId: options.clientId ?? "bnpl-ledger-publisher",
    brokers,
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    // Give up soon inside kafkajs: the loop below owns retrying (with a fresh producer) and the status.
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
  } satisfies KafkaConfig);

  // --- state -------------------------------------------------------------------------------------------
  let position = await checkpoint.load();
  let head: string | undefined;
  let connected = false;
  let lastError: string | undefined;
  let published = 0;
  let stopping = false;
  let stopped = false;
  let producer: Producer | undefined;
  let admin: Admin | undefined;
  let lastBrokerContact = 0;
  const ensuredTopics = new Set<string>();
  const waiters = new Set<{ target: bigint; done: (ok: boolean) => void }>();

  let wakeCount = 0;
  let wakeLoop: (() => void) | undefined;
  const wake = () => {
    wakeCount++;
    wakeLoop?.();
  };
  let signalStop: () => void = () => {};
  const stopSignal = new Promise<void>((resolve) => {
    signalStop = resolve;
  });

  /** Sleeps `ms`, cut short by stop(), and by an append when `wakeable`. */
  const pause = (ms: number, wakeable: boolean, seen = wakeCount): Promise<void> => {
    if (stopping || (wakeable && wakeCount !== seen)) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        if (wakeLoop === finish) wakeLoop = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      if (wakeable) wakeLoop = finish;
      void stopSignal.then(finish);
    });
  };

  // --- kafka -------------------------------------------------------------------------------------------
  const connect = async (): Promise<void> => {
    if (producer && admin) return;
    const newAdmin = kafka.admin({ retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 } });
    const newProducer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 },
    });
    try {
      await newAdmin.connect();
      await newProducer.connect();
    } catch (error) {
      await Promise.allSettled([newProducer.disconnect(), newAdmin.disconnect()]);
      throw error;
    }
    admin = newAdmin;
    producer = newProducer;
    await ensureTopics(KNOWN_KINDS.concat(options.kinds ?? []).map((kind) => topicFor(kind, prefix)));
  };

  const teardown = async (): Promise<void> => {
    const [oldProducer, oldAdmin] = [producer, admin];
    producer = undefined;
    admin = undefined;
    ensuredTopics.clear();
    await Promise.allSettled([oldProducer?.disconnect(), oldAdmin?.disconnect()]);
  };

  /** Creates the topics not yet there (partitions, retention, replication from options); existing ones stay. */
  const ensureTopics = async (topics: readonly string[]): Promise<void> => {
    const wanted = [...new Set(topics)].filter((topic) => !ensuredTopics.has(topic));
    if (wanted.length === 0 || !admin) return;
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await admin.createTopics({
        topics: missing.map((topic) => ({
          topic,
          numPartitions: partitions,
          replicationFactor,
          configEntries: [{ name: "retention.ms", value: String(retentionMs) }],
        })),
        waitForLeaders: true,
      });
      logger.info({ topics: missing, partitions, retentionMs, replicationFactor }, "kafka topics created");
    }
    for (const topic of wanted) ensuredTopics.add(topic);
  };

  const markConnected = () => {
    lastBrokerContact = Date.now();
    lastError = undefined;
    if (!connected) {
      connected = true;
      logger.info({ brokers }, "publisher connected to kafka");
    }
  };

  // --- the loop ----------------------------------------------------------------------------------------
  const advance = (to: string) => {
    position = to;
    const reached = BigInt(to);
    for (const waiter of waiters) {
      if (reached >= waiter.target) waiter.done(true);
    }
  };

  /** One step: true when it sent a page, false when there was nothing to send. */
  const step = async (): Promise<boolean> => {
    await connect();
    const page = await store.readAll({ after: position, maxCount: pageSize });
    head = await store.headPosition();
    if (page.length === 0) {
      if (Date.now() - lastBrokerContact >= healthCheckMs) {
        await admin?.describeCluster();
        markConnected();
      }
      return false;
    }
    const { batch, last, count } = toTopicMessages(page, prefix, maxBatchBytes);
    await ensureTopics(batch.map((t) => t.topic));
    await producer!.sendBatch({ topicMessages: batch, acks: -1 });
    markConnected();
    published += count;
    await checkpoint.save(last);
    advance(last);
    return true;
  };

  const loop = (async () => {
    let failures = 0;
    while (!stopping) {
      const seen = wakeCount;
      try {
        const sent = await step();
        failures = 0;
        if (!sent) await pause(pollIntervalMs, true, seen);
      } catch (error) {
        if (stopping) break;
        failures++;
        const delay = jittered(Math.min(maxBackoff, initialBackoff * 2 ** (failures - 1)));
        const kafkaError = isKafkaError(error);
        lastError = describeError(error);
        if (kafkaError) {
          connected = false;
          await teardown();
        }
        head = await store.headPosition().catch(() => head);
        logger.warn(
          {
            err: error,
            ...(kafkaError ? { broker: brokerOf(error) ?? brokers.join(","), brokers } : {}),
            position,
            attempt: failures,
            retryInMs: delay,
          },
          kafkaError ? "kafka unreachable or failing, retrying" : "publisher step failed, retrying",
        );
        await pause(delay, false);
      }
    }
  })();

  // Appends in this process wake the loop at once; the poll above covers appends from other processes.
  let subscription: Subscription | undefined;
  try {
    subscription = store.subscribeToAll({
      after: await store.headPosition(),
      onEvent: wake,
      onError: (error) => {
        subscription = undefined;
        if (!stopping) logger.warn({ err: error }, "publisher wake-up subscription stopped; polling only");
      },
    });
  } catch (error) {
    logger.warn({ err: error }, "publisher cannot subscribe to the store; polling only");
  }

  return {
    async stop() {
      if (!stopped) {
        stopping = true;
        signalStop();
        wake();
        await subscription?.stop().catch(() => undefined);
        const finished = await Promise.race([
          loop.then(() => true),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), stopTimeoutMs).unref()),
        ]);
        if (!finished)
          logger.warn({ position }, "publisher stopping with a send in flight; it will be re-sent");
        await teardown();
        stopped = true;
        for (const waiter of waiters) waiter.done(false);
      }
    },
    status() {
      return {
        connected,
        ...(lastError !== undefined ? { lastError } : {}),
        position,
        ...(head !== undefined
          ? { head, lag: (BigInt(head) > BigInt(position) ? BigInt(head) - BigInt(position) : 0n).toString() }
          : {}),
        brokers,
        published,
        stopped,
      };
    },
    caughtUp(target, timeoutMs) {
      if (BigInt(position) >= BigInt(target)) return Promise.resolve(true);
      if (stopped) return Promise.resolve(false);
      return new Promise((resolve) => {
        const waiter = {
          target: BigInt(target),
          done: (ok: boolean) => {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(ok);
          },
        };
        const timer = setTimeout(() => waiter.done(false), timeoutMs);
        waiters.add(waiter);
      });
    },
  };
}

/** Groups a page by topic in log order, cut once the values reach maxBytes (never before the first event). */
export function toTopicMessages(
  page: readonly EventEnvelope[],
  prefix: string,
  maxBytes: number,
): { batch: TopicMessages[]; last: string; count: number } {
  const byTopic = new Map<string, TopicMessages>();
  let bytes = 0;
  let last = "";
  let count = 0;
  for (const event of page) {
    const message = toMessage(event);
    const size = Buffer.byteLength(message.value);
    if (count > 0 && bytes + size > maxBytes) break;
    bytes += size;
    const topic = topicFor(streamKind(event.streamId), prefix);
    let entry = byTopic.get(topic);
    if (!entry) {
      entry = { topic, messages: [] };
      byTopic.set(topic, entry);
    }
    entry.messages.push(message);
    last = event.position;
    count++;
  }
  return { batch: [...byTopic.values()], last, count };
}

function isKafkaError(error: unknown): boolean {
  return error instanceof Error && error.name.startsWith("KafkaJS");
}

/** The broker named by a kafkajs error or the errors it wraps. */
function brokerOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const broker = (current as { broker?: unknown }).broker;
    if (typeof broker === "string") return broker;
    const inner = current as { originalError?: unknown; cause?: unknown; errors?: unknown[] };
    current = inner.originalError ?? inner.cause ?? inner.errors?.[0];
  }
  return undefined;
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const broker = brokerOf(error);
  const inner = (error as { originalError?: unknown }).originalError;
  const detail = inner instanceof Error && inner.message !== error.message ? ` (${inner.message})` : "";
  return `${error.name}: ${error.message}${detail}${broker && !error.message.includes(broker) ? ` [broker ${broker}]` : ""}`;
}

function jittered(ms: number): number {
  return Math.round(ms / 2 + (Math.random() * ms) / 2);
}

/** kafkajs' own log lines go to our logger at debug: the loop reports failures itself, once, with context. */
function kafkaLogCreator(logger: PublisherLogger): logCreator {
  return () =>
    ({ namespace, label, log }) => {
      const { message, ...rest } = log;
      logger.debug?.({ kafkajs: namespace, level: label, ...rest }, String(message));
    };
}
