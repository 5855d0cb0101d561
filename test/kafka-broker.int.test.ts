// The Kafka broker the tests use (test/support/kafka.ts) is a real one: topics, acks=-1
// produce, consume back, and the data survives a broker restart.
import { randomUUID } from "node:crypto";
import { type Admin, type Consumer, Kafka, logLevel, Partitioners, type Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type KafkaBrokers,
  kafkaBrokers,
  portAnswers,
  startLocalBroker,
  stopLocalBroker,
} from "./support/kafka.ts";

const COUNT = 100;

describe("kafka broker", () => {
  let info: KafkaBrokers;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    info = await kafkaBrokers();
    kafka = new Kafka({
      clientId: "kafka-broker-int-test",
      brokers: info.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 3_000 },
    });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
    await producer.connect();
  });

  afterAll(async () => {
    for (const consumer of consumers) await consumer.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    await info?.stop?.();
  });

  async function createTopic(partitions: number): Promise<string> {
    const topic = `test.kafka-broker.${randomUUID()}`;
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    expect(created).toBe(true);
    return topic;
  }

  /** Produces COUNT messages, keys spread over 10 streams, each send acknowledged by all in-sync replicas. */
  async function produce(topic: string, tag: string): Promise<string[]> {
    const values: string[] = [];
    for (let batch = 0; batch < COUNT / 10; batch++) {
      const messages = Array.from({ length: 10 }, (_, i) => {
        const seq = batch * 10 + i;
        const value = JSON.stringify({ tag, seq });
        values.push(value);
        return { key: `stream-${seq % 10}`, value, headers: { "event-id": `${tag}-${seq}` } };
      });
      const acks = await producer.send({ topic, acks: -1, messages });
      expect(acks.every((a) => a.errorCode === 0)).toBe(true);
    }
    return values;
  }

  /** Reads `expected` messages from the start of the topic with a fresh consumer group. */
  async function consumeAll(topic: string, expected: number): Promise<{ key: string; value: string }[]> {
    const consumer = kafka.consumer({ groupId: `test-${randomUUID()}`, retry: { retries: 10 } });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: { key: string; value: string }[] = [];
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`consumed ${seen.length} of ${expected} within 30 s`)),
        30_000,
      );
      void consumer
        .run({
          eachMessage: async ({ message }) => {
            seen.push({ key: String(message.key), value: String(message.value) });
            if (seen.length >= expected) {
              clearTimeout(timer);
              done();
            }
          },
        })
        .catch(fail);
    });
    await consumer.disconnect();
    return seen;
  }

  it("creates a topic, produces 100 messages with acks=-1 and consumes them all back in per-key order", async () => {
    const topic = await createTopic(3);
    const values = await produce(topic, "roundtrip");

    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(COUNT);

    const seen = await consumeAll(topic, COUNT);
    expect(seen.map((m) => m.value).sort()).toEqual([...values].sort());
    // Same key → same partition → produced order.
    const byKey = new Map<string, number[]>();
    for (const m of seen) {
      const seqs = byKey.get(m.key) ?? [];
      seqs.push((JSON.parse(m.value) as { seq: number }).seq);
      byKey.set(m.key, seqs);
    }
    expect(byKey.size).toBe(10);
    for (const seqs of byKey.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it("keeps acknowledged messages across a broker stop and start", { timeout: 180_000 }, async (ctx) => {
    if (info.source !== "local") {
      const reason = `broker source is "${info.source}", not "local": this test stops and starts deploy/kafka's broker`;
      console.info(`skipped: ${reason}`);
      ctx.skip(reason);
      return;
    }
    const topic = await createTopic(3);
    const values = await produce(topic, "durable");

    const [broker] = info.brokers;
    const [host, port] = broker!.split(":");
    await stopLocalBroker({ port: Number(port) });
    try {
      expect(await portAnswers(host!, Number(port))).toBe(false);
      await new Promise((r) => setTimeout(r, 1_000));
    } finally {
      await startLocalBroker({ port: Number(port) });
    }
    expect(await portAnswers(host!, Number(port))).toBe(true);

    // The producer made before the restart reconnects by itself.
    const late = await producer.send({
      topic,
      acks: -1,
      messages: [{ key: "stream-0", value: "after-restart" }],
    });
    expect(late.every((a) => a.errorCode === 0)).toBe(true);

    const seen = await consumeAll(topic, COUNT + 1);
    expect(seen.map((m) => m.value).sort()).toEqual([...values, "after-restart"].sort());
  });
});
