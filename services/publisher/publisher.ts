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
import type { EventStore, Subscription } from "../platform/eventstore/port.ts";
import { AcknowledgedPosition } from "./acknowledged.ts";
import type { PublisherCheckpoint } from "./checkpoint.ts";
import { type KafkaLogger, kafkaClient } from "./kafka-client.ts";
import { brokerOf, describeError, isKafkaError } from "./kafka-errors.ts";
import { ProducerLink } from "./producer-link.ts";
import { DEFAULT_TOPIC_PREFIX, toTopicMessages } from "./topics.ts";
import { Wakeup } from "./wakeup.ts";

export interface PublisherOptions {
  readonly store: EventStore;
  readonly checkpoint: PublisherCheckpoint;
  readonly brokers: string[];
  readonly logger: KafkaLogger;
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
  if (options.brokers.length === 0) throw new Error("publisher: no Kafka brokers given");
  const relay = new Relay(options, await options.checkpoint.load());
  await relay.start();
  return relay;
}

/** The loop's timings, from the options and their defaults. */
function timings(options: PublisherOptions) {
  return {
    pageSize: options.pageSize ?? 500,
    maxBatchBytes: options.maxBatchBytes ?? 900_000,
    pollIntervalMs: options.pollIntervalMs ?? 100,
    healthCheckMs: options.healthCheckMs ?? 5_000,
    initialBackoffMs: options.backoff?.initialMs ?? 250,
    maxBackoffMs: options.backoff?.maxMs ?? 10_000,
    stopTimeoutMs: options.stopTimeoutMs ?? 5_000,
  };
}

/** The relay from the log to Kafka: one page at a time, the checkpoint saved after the broker's ack. */
class Relay implements Publisher {
  readonly #store: EventStore;
  readonly #checkpoint: PublisherCheckpoint;
  readonly #logger: KafkaLogger;
  readonly #brokers: readonly string[];
  readonly #prefix: string;
  readonly #timings: ReturnType<typeof timings>;
  readonly #link: ProducerLink;
  readonly #acked: AcknowledgedPosition;
  readonly #wakeup = new Wakeup();
  #loop: Promise<void> = Promise.resolve();
  #subscription: Subscription | undefined;
  #head: string | undefined;
  #connected = false;
  #lastError: string | undefined;
  #lastBrokerContact = 0;
  #published = 0;
  #stopping = false;
  #stopped = false;

  constructor(options: PublisherOptions, position: string) {
    this.#store = options.store;
    this.#checkpoint = options.checkpoint;
    this.#logger = options.logger;
    this.#brokers = [...options.brokers];
    this.#prefix = options.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
    this.#timings = timings(options);
    const kafka = kafkaClient(
      {
        clientId: options.clientId ?? "bnpl-ledger-publisher",
        brokers: [...this.#brokers],
        connectionTimeout: options.connectionTimeoutMs ?? 3_000,
        requestTimeout: options.requestTimeoutMs ?? 30_000,
        // Give up soon inside kafkajs: the loop owns retrying (with a fresh producer) and the status.
        retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
      },
      options.logger,
    );
    this.#link = new ProducerLink(
      kafka,
      {
        prefix: this.#prefix,
        partitions: options.partitions ?? 6,
        replicationFactor: options.replicationFactor ?? 1,
        retentionMs: options.retentionMs ?? 7 * DAY_MS,
        kinds: options.kinds ?? [],
      },
      options.logger,
    );
    this.#acked = new AcknowledgedPosition(position);
  }

  async start(): Promise<void> {
    this.#loop = this.#run();
    await this.#wakeOnAppends();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopping = true;
    this.#wakeup.stop();
    await this.#subscription?.stop().catch(() => undefined);
    const finished = await Promise.race([
      this.#loop.then(() => true),
      new Promise<boolean>((resolve) =>
        setTimeout(() => resolve(false), this.#timings.stopTimeoutMs).unref(),
      ),
    ]);
    if (!finished) {
      this.#logger.warn(
        { position: this.#acked.position },
        "publisher stopping with a send in flight; it will be re-sent",
      );
    }
    await this.#link.disconnect();
    this.#stopped = true;
    this.#acked.close();
  }

  status(): PublisherStatus {
    const position = this.#acked.position;
    const head = this.#head;
    return {
      connected: this.#connected,
      ...(this.#lastError !== undefined ? { lastError: this.#lastError } : {}),
      position,
      ...(head !== undefined
        ? { head, lag: (BigInt(head) > BigInt(position) ? BigInt(head) - BigInt(position) : 0n).toString() }
        : {}),
      brokers: this.#brokers,
      published: this.#published,
      stopped: this.#stopped,
    };
  }

  caughtUp(position: string, timeoutMs: number): Promise<boolean> {
    return this.#acked.reached(position, timeoutMs);
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      const seen = this.#wakeup.seen;
      try {
        const sent = await this.#step();
        failures = 0;
        if (!sent) await this.#wakeup.sleep(this.#timings.pollIntervalMs, { wakeable: true, seen });
      } catch (error) {
        if (this.#stopping) break;
        failures++;
        await this.#recover(error, failures);
      }
    }
  }

  /** One step: true when it sent a page, false when there was nothing to send. */
  async #step(): Promise<boolean> {
    await this.#link.connect();
    const page = await this.#store.readAll({ after: this.#acked.position, maxCount: this.#timings.pageSize });
    this.#head = await this.#store.headPosition();
    if (page.length === 0) {
      if (Date.now() - this.#lastBrokerContact >= this.#timings.healthCheckMs) {
        await this.#link.ping();
        this.#markConnected();
      }
      return false;
    }
    const { batch, last, count } = toTopicMessages(page, this.#prefix, this.#timings.maxBatchBytes);
    await this.#link.send(batch);
    this.#markConnected();
    this.#published += count;
    await this.#checkpoint.save(last);
    this.#acked.advance(last);
    return true;
  }

  /** After a failed step: drop a failing Kafka connection, report, and back off (jittered, doubling). */
  async #recover(error: unknown, failures: number): Promise<void> {
    const { initialBackoffMs, maxBackoffMs } = this.#timings;
    const delay = jittered(Math.min(maxBackoffMs, initialBackoffMs * 2 ** (failures - 1)));
    const kafkaError = isKafkaError(error);
    this.#lastError = describeError(error);
    if (kafkaError) {
      this.#connected = false;
      await this.#link.disconnect();
    }
    this.#head = await this.#store.headPosition().catch(() => this.#head);
    this.#logger.warn(
      {
        err: error,
        ...(kafkaError ? { broker: brokerOf(error) ?? this.#brokers.join(","), brokers: this.#brokers } : {}),
        position: this.#acked.position,
        attempt: failures,
        retryInMs: delay,
      },
      kafkaError ? "kafka unreachable or failing, retrying" : "publisher step failed, retrying",
    );
    await this.#wakeup.sleep(delay);
  }

  #markConnected(): void {
    this.#lastBrokerContact = Date.now();
    this.#lastError = undefined;
    if (!this.#connected) {
      this.#connected = true;
      this.#logger.info({ brokers: this.#brokers }, "publisher connected to kafka");
    }
  }

  /** Appends in this process wake the loop at once; the poll covers appends from other processes. */
  async #wakeOnAppends(): Promise<void> {
    try {
      this.#subscription = this.#store.subscribeToAll({
        after: await this.#store.headPosition(),
        onEvent: () => this.#wakeup.wake(),
        onError: (error) => {
          this.#subscription = undefined;
          if (!this.#stopping) {
            this.#logger.warn({ err: error }, "publisher wake-up subscription stopped; polling only");
          }
        },
      });
    } catch (error) {
      this.#logger.warn({ err: error }, "publisher cannot subscribe to the store; polling only");
    }
  }
}

function jittered(ms: number): number {
  return Math.round(ms / 2 + (Math.random() * ms) / 2);
}
