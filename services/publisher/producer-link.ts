import { type Admin, type Kafka, Partitioners, type Producer, type TopicMessages } from "kafkajs";
import type { KafkaLogger } from "./kafka-client.ts";
import { KNOWN_KINDS, topicFor } from "./topics.ts";

export interface TopicSettings {
  readonly prefix: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly retentionMs: number;
  /** Kinds whose topics are created on connect, besides KNOWN_KINDS. */
  readonly kinds: readonly string[];
}

/**
 * The publisher's connection to Kafka: an idempotent producer (one request in flight, so a stream's order
 * survives its retries) and an admin for topics, made together and thrown away together after any Kafka
 * error, so no half-known producer sequence state outlives an outage.
 */
export class ProducerLink {
  readonly #kafka: Kafka;
  readonly #topics: TopicSettings;
  readonly #logger: KafkaLogger;
  readonly #ensured = new Set<string>();
  #producer: Producer | undefined;
  #admin: Admin | undefined;

  constructor(kafka: Kafka, topics: TopicSettings, logger: KafkaLogger) {
    this.#kafka = kafka;
    this.#topics = topics;
    this.#logger = logger;
  }

  /** Connects unless connected, and creates the known kinds' topics. */
  async connect(): Promise<void> {
    if (this.#producer && this.#admin) return;
    const admin = this.#kafka.admin({ retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 } });
    const producer = this.#kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 },
    });
    try {
      await admin.connect();
      await producer.connect();
    } catch (error) {
      await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
      throw error;
    }
    this.#admin = admin;
    this.#producer = producer;
    const { prefix, kinds } = this.#topics;
    await this.#ensureTopics(KNOWN_KINDS.concat(kinds).map((kind) => topicFor(kind, prefix)));
  }

  /** Sends a batch and resolves once every partition leader and its replicas acknowledged it. */
  async send(batch: TopicMessages[]): Promise<void> {
    await this.#ensureTopics(batch.map((t) => t.topic));
    if (!this.#producer) throw new Error("publisher: send before connect");
    await this.#producer.sendBatch({ topicMessages: batch, acks: -1 });
  }

  /** Asks the cluster something cheap, to know it still answers. */
  async ping(): Promise<void> {
    await this.#admin?.describeCluster();
  }

  async disconnect(): Promise<void> {
    const [producer, admin] = [this.#producer, this.#admin];
    this.#producer = undefined;
    this.#admin = undefined;
    this.#ensured.clear();
    await Promise.allSettled([producer?.disconnect(), admin?.disconnect()]);
  }

  /** Creates the topics not yet there (partitions, retention, replication from the settings). */
  async #ensureTopics(topics: readonly string[]): Promise<void> {
    const wanted = [...new Set(topics)].filter((topic) => !this.#ensured.has(topic));
    if (wanted.length === 0 || !this.#admin) return;
    const existing = new Set(await this.#admin.listTopics());
    const missing = wanted.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      const { partitions, replicationFactor, retentionMs } = this.#topics;
      await this.#admin.createTopics({
        topics: missing.map((topic) => ({
          topic,
          numPartitions: partitions,
          replicationFactor,
          configEntries: [{ name: "retention.ms", value: String(retentionMs) }],
        })),
        waitForLeaders: true,
      });
      this.#logger.info(
        { topics: missing, partitions, retentionMs, replicationFactor },
        "kafka topics created",
      );
    }
    for (const topic of wanted) this.#ensured.add(topic);
  }
}
