// Kafka publisher benchmark: publish throughput, and end-to-end lag from append to the consumer helper's
// handler at a steady append rate. A benchmark, not a test: it asserts nothing.
//
//   node bench/kafka.bench.ts [broker,...]    (default KAFKA_BROKERS or 127.0.0.1:9092; the broker must run)
//
// Everything goes to topics of a fresh prefix (`bench<random>.<kind>.v1`), deleted at the end.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel } from "kafkajs";
import { v7 as uuidv7 } from "uuid";
import type { EventToAppend } from "../services/platform/eventstore/port.ts";
import { SqliteEventStore } from "../services/platform/eventstore/sqlite-event-store.ts";
import { InMemoryPublisherCheckpoint } from "../services/publisher/checkpoint.ts";
import { consumeEvents } from "../services/publisher/consumer.ts";
import { startPublisher } from "../services/publisher/publisher.ts";
import { topicFor } from "../services/publisher/topics.ts";

export interface KafkaBenchOptions {
  /** Events published for the throughput figure; default 20,000. */
  readonly events?: number;
  /** Append rate for the lag figure, events per second; default 1,000. */
  readonly rate?: number;
  /** How long the lag phase appends; default 10 s. */
  readonly seconds?: number;
}

export interface KafkaBenchResult {
  /** Events acknowledged by the broker per second, publishing a backlog (connect included). */
  publishPerSecond: number;
  /** Append call → consumer handler, at `rate` events per second. */
  lagP50Ms: number;
  lagP99Ms: number;
}

const KINDS = ["checkout", "creditline", "disbursal", "token"];
const STREAMS = 200;
const quiet = { info() {}, warn() {}, error() {} };

export async function benchKafka(
  brokers: string[],
  options: KafkaBenchOptions = {},
): Promise<KafkaBenchResult> {
  const events = options.events ?? 20_000;
  const rate = options.rate ?? 1_000;
  const seconds = options.seconds ?? 10;
  const prefix = `bench${Math.random().toString(36).slice(2, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), "kafka-bench-"));
  const store = new SqliteEventStore({ path: join(dir, "ledger.db") });
  const streams = Array.from({ length: STREAMS }, (_, i) => `${KINDS[i % KINDS.length]}-bench${i}`);
  let seq = 0;
  const event = (): [string, EventToAppend] => {
    const n = seq++;
    return [
      streams[n % STREAMS]!,
      {
        eventId: uuidv7(),
        type: "BenchHappened",
        schemaVersion: 1,
        occurredAt: new Date().toISOString(),
        correlationId: `bench-${n}`,
        causationId: `bench-${n}`,
        tenantId: "bench",
        actor: "bench",
        data: { n, amount: "1000000", currency: "VND", note: "x".repeat(64) },
      },
    ];
  };
  const appendMany = async (count: number) => {
    for (let done = 0; done < count; done += 1000) {
      await Promise.all(
        Array.from({ length: Math.min(1000, count - done) }, () => {
          const [streamId, e] = event();
          return store.append(streamId, [e], { expectedRevision: "any" });
        }),
      );
    }
  };
  const cleanups: (() => Promise<unknown>)[] = [];

  try {
    // Warm-up: creates the topics and warms both ends, so the figures below are not about first contact.
    await appendMany(200);
    const warm = await startPublisher({
      store,
      checkpoint: new InMemoryPublisherCheckpoint(),
      brokers,
      logger: quiet,
      topicPrefix: prefix,
    });
    if (!(await warm.caughtUp(await store.headPosition(), 60_000)))
      throw new Error("warm-up publish timed out");
    await warm.stop();
    const warmHead = await store.headPosition();

    // 1. Throughput: a backlog of `events`, published by a fresh publisher from the warm-up's checkpoint.
    await appendMany(events);
    const backlogHead = await store.headPosition();
    const started = performance.now();
    const publisher = await startPublisher({
      store,
      checkpoint: new InMemoryPublisherCheckpoint(warmHead),
      brokers,
      logger: quiet,
      topicPrefix: prefix,
    });
    cleanups.push(() => publisher.stop());
    if (!(await publisher.caughtUp(backlogHead, 120_000))) throw new Error("backlog publish timed out");
    const publishPerSecond = events / ((performance.now() - started) / 1000);

    // 2. Lag: a consumer reads the backlog, then appends at `rate` for `seconds` are timed to its handler.
    const appendedAt = new Map<string, number>();
    const lags: number[] = [];
    let consumed = 0;
    const consumer = await consumeEvents({
      brokers,
      groupId: `${prefix}-lag`,
      clientId: `${prefix}-consumer`,
      topics: KINDS.map((kind) => topicFor(kind, prefix)),
      handler: (e) => {
        consumed++;
        const at = appendedAt.get(e.eventId);
        if (at !== undefined) lags.push(performance.now() - at);
      },
    });
    cleanups.push(() => consumer.stop());
    const before = 200 + events;
    await until(() => consumed >= before, 120_000, "consumer to read the backlog");

    const total = Math.round(rate * seconds);
    const appends: Promise<unknown>[] = [];
    const t0 = performance.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000));
      for (; sent < due; sent++) {
        const [streamId, e] = event();
        appendedAt.set(e.eventId, performance.now());
        appends.push(store.append(streamId, [e], { expectedRevision: "any" }));
      }
      await sleep(2);
    }
    await Promise.all(appends);
    await until(() => lags.length >= total, 60_000, "consumer to receive the timed events");
    lags.sort((a, b) => a - b);
    return {
      publishPerSecond: Math.round(publishPerSecond),
      lagP50Ms: round1(percentile(lags, 0.5)),
      lagP99Ms: round1(percentile(lags, 0.99)),
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await deleteTopics(brokers, prefix).catch(() => undefined);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function deleteTopics(brokers: string[], prefix: string): Promise<void> {
  const admin = new Kafka({ clientId: `${prefix}-admin`, brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const brokers = (process.argv[2] ?? process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");
  console.log(await benchKafka(brokers));
}
