import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { type EventEnvelope, streamKind } from "../../contracts/envelope.ts";
import { PostgresEventStore } from "../../services/platform/eventstore/postgres-event-store.ts";
import { PostgresReadStore } from "../../services/platform/readstore/postgres-read-store.ts";
import { consumeEvents, type EventConsumer } from "../../services/publisher/consumer.ts";
import { topicFor } from "../../services/publisher/topics.ts";
import { OPERATOR_KEY } from "../checkout/lifecycle-support.ts";
import { Receiver } from "../notifier/harness.ts";
import {
  deleteTopics,
  dropSchema,
  productionEnv,
  quiet,
  type Role,
  type RoleProcess,
  sql,
  startRole,
} from "../production/support.ts";
import { eventually, sleep } from "../support/eventually.ts";
import { type KafkaBrokers, kafkaBrokers } from "../support/kafka.ts";
import { DATABASE_URL, uniqueSchema } from "../support/postgres.ts";
import { freePort, killHard, stopService } from "../support/service-process.ts";
import { readLog } from "./checks.ts";
import { crashLoop } from "./killer.ts";
import { startMixedLoad } from "./load.ts";
import { CHAOS_ENV, chaosSettings, expectRunHeld, flakyReplies, pushesSettle } from "./run.ts";

// Crash loop on the production shape (issue 14 item 1, docs/guarantees.md X5): PostgreSQL for the log and the read models, Kafka,
// each role its own process (gateway, projector, publisher, notifier); a random role killed with SIGKILL at
// random moments under the mixed load and started again. Afterwards the checks of the embedded loop, and
// Kafka: every event of the log there once after the consumer helper's dedupe, each stream in revision
// order without a gap. Short by default; `npm run test:chaos` runs it long.

const settings = chaosSettings({ kills: 2, seconds: 12 });
const ROLES: readonly Role[] = ["gateway", "projector", "publisher", "notifier"];
const schema = uniqueSchema("chaos");
const topicPrefix = `chaos${Math.random().toString(36).slice(2, 8)}.payments`;

let kafka: KafkaBrokers | undefined;
let receiver: Receiver | undefined;
let consumer: EventConsumer | undefined;
const running = new Map<string, RoleProcess>();

beforeAll(async () => {
  kafka = await kafkaBrokers();
}, 300_000);

afterEach(async () => {
  await Promise.all([...running.values()].map((r) => killHard(r)));
  running.clear();
  await consumer?.stop().catch(() => {});
  await receiver?.close();
});

afterAll(async () => {
  await dropSchema(schema);
  if (kafka) await deleteTopics(kafka.brokers, topicPrefix).catch(() => {});
  await kafka?.stop?.();
}, 60_000);

it(
  `keeps every acknowledged command exactly once, and Kafka every event, across ${settings.kills} kills of random roles`,
  async () => {
    receiver = await new Receiver().replies(...flakyReplies(settings.seed)).listen();
    const port = await freePort();
    const env = productionEnv({
      schema,
      brokers: kafka!.brokers,
      topicPrefix,
      extra: CHAOS_ENV,
    });
    // The gateway keeps its port across restarts (the hosted pages' URLs); the others take any.
    const start = (role: string) =>
      startRole(role as Role, role === "gateway" ? { ...env, PORT: String(port) } : env);
    // The gateway first: it creates the schema and seeds the sandbox the others read.
    running.set("gateway", await start("gateway"));
    for (const role of await Promise.all(ROLES.slice(1).map(start))) running.set(role.role, role);
    const url = `http://127.0.0.1:${port}`;
    const followers = () => running.get("projector")!.url;
    await quiet(followers(), 60_000);

    const load = startMixedLoad({
      url,
      seed: settings.seed,
      workers: 3,
      pushUrl: receiver.url,
      operatorKey: OPERATOR_KEY,
    });
    // The first kill takes the gateway, which answers the commands; the others a random role.
    const kills = await crashLoop({ running, start }, { ...settings, first: "gateway" });
    load.stop();
    const record = await load.done;
    await quiet(followers(), 60_000);
    await pushesSettle(async () => {
      const [row] = await sql<{ n: number }>(
        `SELECT COUNT(*)::int AS n FROM "${schema}".notifier_deliveries WHERE status = 'pending'`,
      );
      return row?.n ?? 0;
    });
    const exits = await Promise.all([...running.values()].map((r) => stopService(r)));
    expect(exits).toEqual(ROLES.map(() => 0));
    running.clear();

    await expectRunHeld(
      {
        shape: "production",
        settings,
        kills,
        record,
        receiver,
        env,
        store: await PostgresEventStore.open({ connectionString: DATABASE_URL, schema }),
        readStore: new PostgresReadStore({ connectionString: DATABASE_URL, schema }),
      },
      async (store) => {
        const onKafka = await kafkaHoldsTheLog(await readLog(store));
        console.log(
          `  Kafka: ${onKafka.events} events once each after dedupe, ${onKafka.streams} streams in order; ` +
            `${onKafka.received} messages read, ${onKafka.duplicates} resent duplicates dropped, ${onKafka.gaps} gaps`,
        );
        return onKafka.failures;
      },
    );
  },
  settings.timeoutMs + 120_000,
);

/**
 * Reads every topic the log's stream kinds map to from the beginning with the consumer helper (which drops
 * what the publisher resent after a kill): each event of the log exactly once, each stream's revisions in
 * order from 0, and nothing that is not in the log.
 */
async function kafkaHoldsTheLog(log: readonly EventEnvelope[]) {
  const seen: EventEnvelope[] = [];
  const topics = [...new Set(log.map((e) => topicFor(streamKind(e.streamId), topicPrefix)))];
  consumer = await consumeEvents({
    brokers: kafka!.brokers,
    groupId: `chaos-${schema}`,
    topics,
    handler: (event) => {
      seen.push(event);
    },
  });
  await eventually(
    `all ${log.length} events on Kafka`,
    () => (seen.length >= log.length ? true : undefined),
    60_000,
    200,
  ).catch(() => undefined);
  await sleep(500); // anything more would be a duplicate the helper failed to drop
  const failures: string[] = [];
  const ids = new Map<string, number>();
  for (const e of seen) ids.set(e.eventId, (ids.get(e.eventId) ?? 0) + 1);
  for (const e of log) {
    const times = ids.get(e.eventId) ?? 0;
    if (times !== 1)
      failures.push(`Kafka holds ${e.type} ${e.eventId} (${e.streamId}@${e.revision}) ${times} times`);
  }
  const inLog = new Set(log.map((e) => e.eventId));
  for (const e of seen) if (!inLog.has(e.eventId)) failures.push(`Kafka holds ${e.eventId}, not in the log`);
  const byStream = new Map<string, number[]>();
  for (const e of seen) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e.revision]);
  for (const [streamId, revisions] of byStream) {
    if (revisions.some((r, i) => r !== i))
      failures.push(`${streamId} on Kafka out of order: ${revisions.join(",")}`);
  }
  const stats = consumer.stats();
  if (stats.gaps > 0) failures.push(`the consumer saw ${stats.gaps} gaps`);
  return { events: seen.length, streams: byStream.size, ...stats, failures };
}
