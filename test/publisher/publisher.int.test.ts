// The publisher against a real broker (test/support/kafka.ts): event log → Kafka → consumer helper.
// Every test publishes under its own topic prefix and consumer group, so runs never see each other's data;
// the topics are deleted at the end.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { type Admin, Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventEnvelope } from "../../contracts/envelope.ts";
import type { EventStore } from "../../services/platform/eventstore/port.ts";
import { SqliteEventStore } from "../../services/platform/eventstore/sqlite-event-store.ts";
import { SqliteReadStore } from "../../services/platform/readstore/sqlite-read-store.ts";
import {
  InMemoryPublisherCheckpoint,
  ReadStorePublisherCheckpoint,
} from "../../services/publisher/checkpoint.ts";
import {
  consumeEvents,
  type EventConsumer,
  type EventContext,
  SqliteDedupeStore,
} from "../../services/publisher/consumer.ts";
import { type Publisher, type PublisherStatus, startPublisher } from "../../services/publisher/publisher.ts";
import { topicFor } from "../../services/publisher/topics.ts";
import { testEvent, uniqueStream } from "../support/events.ts";
import { eventually, sleep } from "../support/eventually.ts";
import { type KafkaBrokers, kafkaBrokers, startLocalBroker, stopLocalBroker } from "../support/kafka.ts";

const KINDS = ["checkout", "creditline", "disbursal", "token"];
const RUN = `test${Math.random().toString(36).slice(2, 8)}`;
const ROOT = resolve(import.meta.dirname, "../..");

interface LogEntry {
  level: string;
  msg: string;
  [key: string]: unknown;
}

function memoryLogger(entries: LogEntry[]) {
  const at = (level: string) => (object: object, msg: string) => {
    entries.push({ level, msg, ...object });
  };
  return { info: at("info"), warn: at("warn"), error: at("error") };
}

/** What the consumer handler saw, in arrival order. */
interface Seen {
  event: EventEnvelope;
  context: EventContext;
}

function collector() {
  const seen: Seen[] = [];
  return {
    seen,
    handler: (event: EventEnvelope, context: EventContext) => {
      seen.push({ event, context });
    },
  };
}

/** Appends `count` events round-robin over `streams`, 1,000 in flight at a time (group commit). */
async function appendSpread(store: EventStore, streams: string[], count: number, offset = 0): Promise<void> {
  for (let start = 0; start < count; start += 1000) {
    const chunk: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(count, start + 1000); i++) {
      const seq = offset + i;
      chunk.push(
        store.append(
          streams[seq % streams.length]!,
          [
            testEvent(
              ["Initiated", "Pending", "Settled"][seq % 3],
              { seq },
              {
                schemaVersion: 1 + (seq % 2),
                correlationId: `corr-${seq % 7}`,
              },
            ),
          ],
          { expectedRevision: "any" },
        ),
      );
    }
    await Promise.all(chunk);
  }
}

async function readLog(store: EventStore): Promise<EventEnvelope[]> {
  const all: EventEnvelope[] = [];
  let after = "0";
  for (;;) {
    const page = await store.readAll({ after, maxCount: 5000 });
    if (page.length === 0) return all;
    all.push(...page);
    after = page.at(-1)!.position;
  }
}

/** Each stored event handled exactly once, per stream in revision order, with the right topic, key and headers. */
function expectExactlyOnceInOrder(log: EventEnvelope[], seen: Seen[], prefix: string): void {
  expect(seen.length).toBe(log.length);
  const byId = new Map(log.map((e) => [e.eventId, e]));
  const ids = new Set<string>();
  const nextRevision = new Map<string, number>();
  for (const { event, context } of seen) {
    expect(ids.has(event.eventId), `event ${event.eventId} handled twice`).toBe(false);
    ids.add(event.eventId);
    expect(event).toEqual(byId.get(event.eventId));
    const expected = nextRevision.get(event.streamId) ?? 0;
    expect(event.revision, `stream ${event.streamId} out of order`).toBe(expected);
    nextRevision.set(event.streamId, expected + 1);
    expect(context.topic).toBe(topicFor(event.streamId.split("-")[0]!, prefix));
    expect(context.key).toBe(event.streamId);
    expect(context.headers).toEqual({
      "event-id": event.eventId,
      "event-type": event.type,
      "schema-version": String(event.schemaVersion),
      "correlation-id": event.correlationId,
    });
  }
  expect(ids.size).toBe(byId.size);
}

describe("kafka publisher", () => {
  let info: KafkaBrokers;
  let admin: Admin;
  const dirs: string[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    info = await kafkaBrokers();
    const kafka = new Kafka({ clientId: `${RUN}-admin`, brokers: info.brokers, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    try {
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${RUN}-`));
      if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
    } catch (error) {
      console.warn(`could not delete test topics: ${String(error)}`);
    }
    await admin?.disconnect().catch(() => undefined);
    await info?.stop?.();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  function tempDb(): string {
    const dir = mkdtempSync(join(tmpdir(), "publisher-int-"));
    dirs.push(dir);
    return join(dir, "ledger.db");
  }

  /** A fresh SQLite ledger file: the log, and the read store that keeps the publisher's checkpoint. */
  function openLedger() {
    const path = tempDb();
    const store = new SqliteEventStore({ path });
    const readStore = new SqliteReadStore({ path });
    cleanups.push(
      () => store.close(),
      () => readStore.close(),
    );
    return { path, store, readStore };
  }

  function streamsOf(count: number): string[] {
    return Array.from({ length: count }, (_, i) => uniqueStream(KINDS[i % KINDS.length]));
  }

  async function startConsumer(prefix: string, handler: (e: EventEnvelope, c: EventContext) => void) {
    const dedupePath = tempDb().replace(/ledger\.db$/, "dedupe.db");
    const dedupe = new SqliteDedupeStore({ path: dedupePath, scope: prefix });
    const consumer: EventConsumer = await consumeEvents({
      brokers: info.brokers,
      groupId: `${prefix}-group`,
      clientId: `${prefix}-consumer`,
      topics: KINDS.map((kind) => topicFor(kind, prefix)),
      handler,
      dedupe,
    });
    cleanups.push(async () => {
      await consumer.stop();
      await dedupe.close();
    });
    return { consumer, dedupe };
  }

  it("publishes 10,000 events over 100 streams; the consumer gets each once, per stream in order, headers right", async () => {
    const prefix = `${RUN}-bulk`;
    const { store, readStore } = openLedger();
    const streams = streamsOf(100);
    await appendSpread(store, streams, 10_000);
    const head = await store.headPosition();

    const logs: LogEntry[] = [];
    const started = performance.now();
    const publisher = await startPublisher({
      store,
      checkpoint: new ReadStorePublisherCheckpoint(readStore),
      brokers: info.brokers,
      logger: memoryLogger(logs),
      clientId: `${prefix}-publisher`,
      topicPrefix: prefix,
    });
    cleanups.push(() => publisher.stop());
    expect(await publisher.caughtUp(head, 30_000)).toBe(true);
    const publishMs = performance.now() - started;

    const { seen, handler } = collector();
    const { consumer, dedupe } = await startConsumer(prefix, handler);
    await eventually("10,000 events consumed", () => seen.length >= 10_000 || undefined, 45_000);
    const consumeMs = performance.now() - started;
    await sleep(500); // nothing more arrives
    console.info(
      `10,000 events: published in ${Math.round(publishMs)} ms, consumed by ${Math.round(consumeMs)} ms; ` +
        `consumer ${JSON.stringify(consumer.stats())}`,
    );

    expectExactlyOnceInOrder(await readLog(store), seen, prefix);
    expect(consumer.stats()).toMatchObject({ handled: 10_000, invalid: 0, gaps: 0 });
    expect(dedupe.count()).toBe(100);

    const status = publisher.status();
    expect(status).toMatchObject({ connected: true, position: head, lag: "0", published: 10_000 });
    expect(status.lastError).toBeUndefined();
    expect(await readStore.generationPosition("publisher", 1)).toBe(head);

    // Topics made by the publisher: 6 partitions, 7 days retention.
    const topics = KINDS.map((kind) => topicFor(kind, prefix));
    const metadata = await admin.fetchTopicMetadata({ topics });
    for (const topic of metadata.topics) expect(topic.partitions).toHaveLength(6);
    const configs = await admin.describeConfigs({
      resources: topics.map((name) => ({ type: 2, name, configNames: ["retention.ms"] })),
      includeSynonyms: false,
    });
    for (const resource of configs.resources) {
      expect(resource.configEntries.find((c) => c.configName === "retention.ms")?.configValue).toBe(
        String(7 * 24 * 60 * 60 * 1000),
      );
    }
    expect(logs.filter((l) => l.level !== "info")).toEqual([]);

    // The consumer committed its offsets when it stopped: the same group, with a fresh dedupe store,
    // reads only what was published after.
    await consumer.stop();
    await appendSpread(store, streams, 100, 10_000);
    expect(await publisher.caughtUp(await store.headPosition(), 10_000)).toBe(true);
    const again = collector();
    const { consumer: restarted } = await startConsumer(prefix, again.handler);
    await eventually("100 new events consumed", () => again.seen.length >= 100 || undefined, 30_000);
    await sleep(500);
    expect(restarted.stats()).toMatchObject({ received: 100, handled: 100, duplicates: 0 });
    // Each of the 100 streams got its revision 100, and nothing older came back.
    expect(new Set(again.seen.map((s) => s.event.revision))).toEqual(new Set([100]));
  });

  it("starts with no broker reachable: status says so and names the broker, nothing is checkpointed", async () => {
    const { store } = openLedger();
    await appendSpread(store, streamsOf(4), 10);
    const logs: LogEntry[] = [];
    const checkpoint = new InMemoryPublisherCheckpoint();
    const publisher = await startPublisher({
      store,
      checkpoint,
      brokers: ["127.0.0.1:1"],
      logger: memoryLogger(logs),
      topicPrefix: `${RUN}-unreachable`,
      backoff: { initialMs: 50, maxMs: 200 },
    });
    try {
      expect(await publisher.caughtUp(await store.headPosition(), 1_500)).toBe(false);
      const status = publisher.status();
      expect(status).toMatchObject({ connected: false, position: "0", lag: "10", published: 0 });
      expect(status.lastError).toMatch(/127\.0\.0\.1:1/);
      expect(logs.some((l) => l.msg.startsWith("kafka unreachable") && l.broker === "127.0.0.1:1")).toBe(
        true,
      );
      expect(await checkpoint.load()).toBe("0");
    } finally {
      await publisher.stop();
    }
    expect(publisher.status().stopped).toBe(true);
  });

  it("loses nothing and keeps order while the broker is down for 10 s; status shows it", {
    timeout: 150_000,
  }, async (ctx) => {
    if (info.source !== "local") {
      const reason = `broker source is "${info.source}", not "local": this test stops and starts deploy/kafka's broker`;
      console.info(`skipped: ${reason}`);
      ctx.skip(reason);
      return;
    }
    const port = Number(info.brokers[0]!.split(":")[1]);
    const prefix = `${RUN}-outage`;
    const { store } = openLedger();
    const streams = streamsOf(20);
    await appendSpread(store, streams, 500);

    const logs: LogEntry[] = [];
    const publisher: Publisher = await startPublisher({
      store,
      checkpoint: new InMemoryPublisherCheckpoint(),
      brokers: info.brokers,
      logger: memoryLogger(logs),
      clientId: `${prefix}-publisher`,
      topicPrefix: prefix,
      pageSize: 100,
      backoff: { initialMs: 200, maxMs: 2_000 },
    });
    cleanups.push(() => publisher.stop());
    expect(await publisher.caughtUp(await store.headPosition(), 30_000)).toBe(true);
    const { seen, handler } = collector();
    const { consumer } = await startConsumer(prefix, handler);

    // Appends go on, about 100 a second, through the whole outage.
    let appending = true;
    let appended = 500;
    const appender = (async () => {
      while (appending) {
        await appendSpread(store, streams, 2, appended);
        appended += 2;
        await sleep(20);
      }
    })();

    await sleep(1_000);
    const statuses: PublisherStatus[] = [];
    const watch = setInterval(() => statuses.push(publisher.status()), 100);
    const downAt = performance.now();
    await stopLocalBroker({ port });
    await sleep(10_000);
    await startLocalBroker({ port });
    const upAt = performance.now();
    await sleep(2_000);
    appending = false;
    await appender;
    const head = await store.headPosition();
    expect(await publisher.caughtUp(head, 60_000)).toBe(true);
    const recoveredMs = performance.now() - upAt;
    clearInterval(watch);
    await eventually(`${appended} events consumed`, () => seen.length >= appended || undefined, 60_000);
    const consumedMs = performance.now() - upAt;
    await sleep(500);

    const disconnected = statuses.filter((s) => !s.connected);
    console.info(
      `outage: broker down ${Math.round((upAt - downAt) / 1000)} s, ${appended} events, publisher caught up ` +
        `${Math.round(recoveredMs)} ms after restart, consumer ${Math.round(consumedMs)} ms; disconnected in ${disconnected.length} of ` +
        `${statuses.length} status samples; lastError seen: ${disconnected.at(-1)?.lastError}; ` +
        `consumer ${JSON.stringify(consumer.stats())}`,
    );
    expect(disconnected.length).toBeGreaterThan(0);
    expect(disconnected.some((s) => s.lastError !== undefined)).toBe(true);
    expect(Number(disconnected.at(-1)!.lag)).toBeGreaterThan(0);
    const warned = logs.filter((l) => l.msg.startsWith("kafka unreachable"));
    expect(warned.length).toBeGreaterThan(0);
    expect(warned.every((l) => typeof l.broker === "string" && l.broker !== "")).toBe(true);
    const final = publisher.status();
    expect(final).toMatchObject({ connected: true, position: head, lag: "0" });
    expect(final.lastError).toBeUndefined();

    expectExactlyOnceInOrder(await readLog(store), seen, prefix);
    expect(consumer.stats()).toMatchObject({ invalid: 0, gaps: 0 });
  });

  it("loses nothing when the publisher process is killed with SIGKILL mid-run and restarted", {
    timeout: 90_000,
  }, async () => {
    const prefix = `${RUN}-kill`;
    const { path, store, readStore } = openLedger();
    const streams = streamsOf(60);
    await appendSpread(store, streams, 6_000);

    const children: ChildProcess[] = [];
    cleanups.push(async () => {
      for (const child of children)
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });
    const spawnPublisher = async () => {
      const child = spawn(
        process.execPath,
        [
          "test/support/publisher-process.ts",
          JSON.stringify({ dbPath: path, brokers: info.brokers, topicPrefix: prefix, pageSize: 50 }),
        ],
        { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
      );
      children.push(child);
      let stderr = "";
      child.stderr!.on("data", (chunk) => {
        stderr += String(chunk);
      });
      const exited = once(child, "exit");
      await new Promise<void>((ready, fail) => {
        createInterface({ input: child.stdout! }).on("line", (line) => {
          if (line.includes('"started"')) ready();
        });
        void exited.then(([code, signal]) =>
          fail(new Error(`publisher exited (${code ?? signal}): ${stderr}`)),
        );
      });
      return { child, exited, stderr: () => stderr };
    };
    const checkpoint = () => readStore.generationPosition("publisher", 1);

    let appending = true;
    let appended = 6_000;
    const appender = (async () => {
      while (appending) {
        await appendSpread(store, streams, 5, appended);
        appended += 5;
        await sleep(10);
      }
    })();

    const first = await spawnPublisher();
    await eventually(
      "checkpoint past 1,000",
      async () => BigInt(await checkpoint()) > 1000n || undefined,
      30_000,
    );
    first.child.kill("SIGKILL");
    const [, signal] = await first.exited;
    expect(signal).toBe("SIGKILL");
    const killedAt = await checkpoint();
    const headAtKill = await store.headPosition();
    expect(BigInt(killedAt)).toBeLessThan(BigInt(headAtKill));

    const second = await spawnPublisher();
    await sleep(500);
    appending = false;
    await appender;
    const head = await store.headPosition();
    await eventually(
      "restarted publisher to reach the head",
      async () => (await checkpoint()) === head || undefined,
      30_000,
    );
    second.child.kill("SIGTERM");
    const [code] = await second.exited;
    expect(code, second.stderr()).toBe(0);

    const { seen, handler } = collector();
    const { consumer } = await startConsumer(prefix, handler);
    await eventually(`${appended} events consumed`, () => seen.length >= appended || undefined, 45_000);
    await sleep(500);
    const wire = consumer.stats();
    console.info(
      `SIGKILL: killed at checkpoint ${killedAt} of head ${headAtKill}; ${appended} events; ` +
        `${wire.received} messages on the wire, ${wire.duplicates} duplicates dropped; consumer ${JSON.stringify(wire)}`,
    );
    expectExactlyOnceInOrder(await readLog(store), seen, prefix);
    expect(wire).toMatchObject({ handled: appended, invalid: 0, gaps: 0 });
    expect(wire.received).toBe(appended + wire.duplicates);
  });
});
