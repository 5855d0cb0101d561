import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { EventEnvelope } from "../../contracts/envelope.ts";
import { PostgresEventStore } from "../../services/platform/eventstore/postgres-event-store.ts";
import { PostgresReadStore } from "../../services/platform/readstore/postgres-read-store.ts";
import { ProjectionRunner } from "../../services/projector/projection-runner.ts";
import { consumeEvents, type EventConsumer } from "../../services/publisher/consumer.ts";
import { KNOWN_KINDS, topicFor } from "../../services/publisher/topics.ts";
import { projections } from "../../services/runtime/projections.ts";
import { initRequest, SEED_AMOUNT_MINOR, statusRequest } from "../support/checkout-requests.ts";
import { eventually, sleep } from "../support/eventually.ts";
import { approveInBrowser } from "../support/http-browser.ts";
import { type KafkaBrokers, kafkaBrokers } from "../support/kafka.ts";
import { type KredivoReply, kredivo } from "../support/kredivo-http.ts";
import { DATABASE_URL, uniqueSchema } from "../support/postgres.ts";
import { freePort, killHard, stopService } from "../support/service-process.ts";
import {
  caughtUp,
  deleteTopics,
  dropSchema,
  initCheckout,
  productionEnv,
  quiet,
  type RoleProcess,
  readyz,
  sampleSignature,
  spawnRole,
  sql,
  startRole,
  storedHead,
  storedStream,
  TcpProxy,
} from "./support.ts";

// Faults of the production shape (PostgreSQL event store + read models, Kafka, one process per role):
//   (a) PostgreSQL unreachable at start: the role says which store, keeps retrying, is not ready, and
//       becomes ready once the database answers (a TCP proxy opened after a delay);
//   (b) PostgreSQL lost during work (the proxy cut under a running gateway): the Checkout API answers the
//       seed's 9999 envelope with HTTP 503 at once, writes nothing, and recovers when the proxy is back;
//   (c) the projector and the publisher killed with SIGKILL under load and restarted: both resume from
//       their checkpoints; the read models equal a clean rebuild from the log and Kafka holds every event
//       exactly once after dedupe.

const SEED_9999 = "Sorry, something went wrong. Please try again in a few minutes";
const NO_PUSH = "http://127.0.0.1:9/kredivo/push";

const RUN = Math.random().toString(36).slice(2, 8);
const schemas: string[] = [];
const prefixes: string[] = [];
let running: RoleProcess[] = [];
let proxy: TcpProxy | undefined;
let kafka: KafkaBrokers | undefined;
let consumer: EventConsumer | undefined;

function schema(label: string): string {
  const s = uniqueSchema(`prod_faults_${label}`);
  schemas.push(s);
  return s;
}

function prefix(label: string): string {
  const p = `f${RUN}${label}.payments`;
  prefixes.push(p);
  return p;
}

function track(proc: RoleProcess): RoleProcess {
  running.push(proc);
  return proc;
}

beforeAll(async () => {
  kafka = await kafkaBrokers();
}, 180_000);

afterEach(async () => {
  await Promise.all(running.map((r) => stopService(r)));
  running = [];
  await proxy?.cut();
  proxy = undefined;
});

afterAll(async () => {
  await consumer?.stop().catch(() => {});
  for (const s of schemas) await dropSchema(s);
  for (const p of prefixes) if (kafka) await deleteTopics(kafka.brokers, p).catch(() => {});
  await kafka?.stop?.();
}, 60_000);

describe("(a) PostgreSQL unreachable at start", () => {
  it("says which store, keeps retrying with backoff, is not ready, and becomes ready once it answers", async () => {
    proxy = await new TcpProxy(DATABASE_URL).reserve();
    const port = await freePort();
    const databaseUrl = proxy.url(DATABASE_URL);
    const gateway = track(
      spawnRole(
        "gateway",
        productionEnv({
          schema: schema("a"),
          brokers: kafka!.brokers,
          topicPrefix: prefix("a"),
          databaseUrl,
          extra: { PORT: String(port) },
        }),
      ),
    );
    const retries = () => gateway.logs.filter((l) => String(l.msg).startsWith("cannot reach"));
    await eventually("the first retry line", () => (retries().length > 0 ? true : undefined), 10_000);
    await sleep(3_000);

    expect(gateway.alive).toBe(true);
    const lines = retries();
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) {
      // One line, naming the store and where it was looked for.
      expect(line.msg).toBe(`cannot reach PostgreSQL at ${databaseUrl}; retrying`);
      expect(line).toMatchObject({ level: 40, store: `PostgreSQL at ${databaseUrl}` });
    }
    const delays = lines.map((l) => Number(l.retryInMs));
    expect(delays).toEqual([...delays].sort((x, y) => x - y));
    expect(delays.at(-1)).toBeGreaterThan(delays[0]!);
    // Not listening, so /readyz does not answer at all (a load balancer sees it down).
    await expect(fetch(`http://127.0.0.1:${port}/readyz`)).rejects.toThrow();
    expect(gateway.logs.some((l) => l.msg === "listening")).toBe(false);

    const openedAt = Date.now();
    await proxy.open();
    const url = await gateway.listening;
    const readyAfterMs = Date.now() - openedAt;
    expect(url).toBe(`http://127.0.0.1:${port}`);
    const ready = await eventually("ready", async () => {
      const r = await readyz(url);
      return r.status === 200 ? r : undefined;
    });
    expect(ready.body).toMatchObject({ ready: true, store: { open: true } });
    const spanMs = Date.parse(String(lines.at(-1)!.time)) - Date.parse(String(lines[0]!.time));
    console.log(
      `(a) ${lines.length} retry lines over ${spanMs} ms (retryInMs ${delays.join(", ")}), process alive, ` +
        `/readyz refused; listening ${readyAfterMs} ms after the database answered`,
    );
  });
});

describe("(b) PostgreSQL lost during work", () => {
  it("the Checkout API answers 503 with the seed's 9999 envelope at once, writes nothing, and recovers", async () => {
    const s = schema("b");
    proxy = await new TcpProxy(DATABASE_URL).open();
    const base = { schema: s, brokers: kafka!.brokers, topicPrefix: prefix("b") };
    // The projector reaches PostgreSQL directly; only the gateway goes through the proxy.
    track(await startRole("projector", productionEnv(base)));
    const gateway = track(
      await startRole("gateway", productionEnv({ ...base, databaseUrl: proxy.url(DATABASE_URL) })),
    );
    const url = gateway.url;
    const earlierOrder = `B-${randomUUID().slice(0, 8)}`;
    const earlier = await initCheckout(url, earlierOrder, NO_PUSH);
    expect((await approveInBrowser(earlier.checkoutUrl)).status).toBe(303);

    // Refused connections: every pooled connection reset, new ones refused.
    await proxy.cut();
    const headAtCut = await storedHead(s);
    const orderId = `B-${randomUUID().slice(0, 8)}`;
    const replies = {
      // A new checkout (the merchant lookup in the read store, then the log).
      init: await kredivo(url, "/checkout/init", initRequest(orderId, NO_PUSH)),
      // The merchant confirms an approved one (the log first).
      update: await kredivo(url, "/checkout/update", {
        signature_key: sampleSignature(earlier.transactionId, earlierOrder),
        transaction_id: earlier.transactionId,
        status: "settled",
      }),
      status: await kredivo(url, "/transaction/status", statusRequest(earlier.transactionId)),
    };
    for (const reply of Object.values(replies)) expectUnavailable(reply, 2_000);
    const ready = await readyz(url);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ ready: false, store: { open: false } });
    expect(gateway.alive).toBe(true);

    // A database that accepts and never answers: bounded by the pools' 5 s connect timeout, not a hang.
    await proxy.blackhole();
    const hung = await kredivo(url, "/checkout/init", initRequest(orderId, NO_PUSH), 20_000);
    expectUnavailable(hung, 8_000);
    expect(gateway.alive).toBe(true);

    // Nothing half-written: the log did not move, the order is unknown, the transaction still pending.
    expect(await storedHead(s)).toBe(headAtCut);
    expect(
      await sql(`SELECT 1 FROM "${s}".events WHERE type = 'Initiated' AND data->>'orderId' = $1`, [orderId]),
    ).toHaveLength(0);
    expect(
      (await storedStream(s, `checkout-${earlier.transactionId}`)).map((e) => e.type).includes("Settled"),
    ).toBe(false);

    // Recovery: the same requests succeed once the database answers again, with no restart.
    const recoveredAt = Date.now();
    await proxy.open();
    const again = await eventually("init to succeed after the database is back", async () => {
      const r = await kredivo(url, "/checkout/init", initRequest(orderId, NO_PUSH));
      return r.json.status === 1 ? r : undefined;
    });
    const recoveryMs = Date.now() - recoveredAt;
    expect(again.httpStatus).toBe(200);
    const settled = await kredivo(url, "/checkout/update", {
      signature_key: sampleSignature(earlier.transactionId, earlierOrder),
      transaction_id: earlier.transactionId,
      status: "settled",
    });
    expect(settled.json).toMatchObject({ status: "settlement", order_id: earlierOrder });
    expect((await approveInBrowser(String(again.json.checkout_url))).status).toBe(303);
    await eventually("ready again", async () => ((await readyz(url)).status === 200 ? true : undefined));
    console.log(
      `(b) refused: init ${replies.init.ms} ms, update ${replies.update.ms} ms, status ${replies.status.ms} ms; ` +
        `black-holed: ${hung.ms} ms; first success ${recoveryMs} ms after the database was back`,
    );
  });
});

function expectUnavailable(reply: KredivoReply, withinMs: number): void {
  expect(reply.httpStatus).toBe(503);
  expect(reply.json).toEqual({
    status: 9999,
    message: SEED_9999,
    error: { message: expect.stringMatching(/^request_id: /) },
  });
  expect(reply.ms).toBeLessThan(withinMs);
}

describe("(c) the projector and the publisher killed with SIGKILL under load", () => {
  it("resume from their checkpoints: read models equal a clean rebuild, Kafka has every event once", async () => {
    const s = schema("c");
    const topicPrefix = prefix("c");
    const env = productionEnv({
      schema: s,
      brokers: kafka!.brokers,
      topicPrefix,
      extra: { CONFIRM_TIMEOUT_SECONDS: "600" },
    });
    const gateway = track(await startRole("gateway", env));
    const started = {
      projector: track(await startRole("projector", env)),
      publisher: track(await startRole("publisher", env)),
    };
    // The sandbox seed is published (its `buyer` topic is created on first sight, the others at start).
    await caughtUp(started.projector.url);
    const seen: EventEnvelope[] = [];
    consumer = await consumeEvents({
      brokers: kafka!.brokers,
      groupId: `faults-${RUN}`,
      topics: [...KNOWN_KINDS, "buyer"].map((k) => topicFor(k, topicPrefix)),
      handler: (event) => {
        seen.push(event);
      },
    });

    // The load: buyers approving checkouts and merchants confirming them, three at a time, non-stop. A
    // quarter are settled (the hold captured), the rest reported failed (the hold released) — both by the
    // credit-line reactor, which runs in the projector's process and is killed with it.
    let stopLoad = false;
    let done = 0;
    let settledCount = 0;
    const errors: unknown[] = [];
    const one = async (i: number) => {
      const orderId = `C-${i}-${randomUUID().slice(0, 8)}`;
      const { transactionId, checkoutUrl } = await initCheckout(gateway.url, orderId, NO_PUSH);
      const approved = await approveInBrowser(checkoutUrl);
      if (approved.status !== 303) throw new Error(`approval ${i}: ${approved.status}`);
      const settle = i % 4 === 0 && settledCount < 4;
      if (settle) settledCount++;
      const update = await kredivo(gateway.url, "/checkout/update", {
        signature_key: sampleSignature(transactionId, orderId),
        transaction_id: transactionId,
        status: settle ? "settled" : "failed",
      });
      if (update.json.status !== (settle ? "settlement" : "failed")) {
        throw new Error(`update ${i}: ${JSON.stringify(update.json)}`);
      }
      done++;
    };
    let next = 0;
    const load = Promise.all(
      [0, 1, 2].map(async () => {
        while (!stopLoad) await one(next++).catch((error: unknown) => errors.push(error));
      }),
    );

    const loadFailed = () => new Error(`the load failed: ${errors.map(String).join("\n").slice(0, 3000)}`);
    await eventually(
      "4 transactions done",
      () => {
        if (errors.length > 0) throw loadFailed();
        return done >= 4 ? true : undefined;
      },
      30_000,
    );
    await Promise.all([killHard(started.projector), killHard(started.publisher)]);
    const atKill = await checkpoints(s);
    const headAtKill = await storedHead(s);
    await sleep(1_500); // the gateway keeps appending; nobody projects or publishes
    const doneAtRestart = done;
    const projector = track(await startRole("projector", env));
    // The projector is back, the publisher not yet: the gateway waits for the read models it reads, not
    // for the publisher's checkpoint, so a command is not held up by the dead publisher (2 s each before).
    await caughtUpExcept(projector.url, "publisher");
    const whilePublisherDown = await kredivo(
      gateway.url,
      "/checkout/init",
      initRequest(`C-x-${randomUUID().slice(0, 8)}`, NO_PUSH),
    );
    expect(whilePublisherDown.json.status).toBe(1);
    expect(whilePublisherDown.ms).toBeLessThan(1_500);
    track(await startRole("publisher", env));
    const headAtRestart = await storedHead(s);
    await eventually(
      "4 more transactions done",
      () => {
        if (errors.length > 0) throw loadFailed();
        return done >= doneAtRestart + 4 ? true : undefined;
      },
      40_000,
    );
    stopLoad = true;
    await load;
    if (errors.length > 0) throw loadFailed();

    // Quiet: every follower at a head that no longer moves (the reactor appends on its own).
    const head = await quiet(projector.url);
    expect(BigInt(atKill.publisher ?? "0")).toBeGreaterThan(0n);
    expect(BigInt(atKill.credit_lines ?? "0")).toBeGreaterThan(0n);

    // The read models kept across the kills equal a clean rebuild from the log, row for row.
    const rebuilt = `${s}_rb`;
    schemas.push(rebuilt);
    const store = await PostgresEventStore.open({ connectionString: DATABASE_URL, schema: s });
    const live = new PostgresReadStore({ connectionString: DATABASE_URL, schema: s });
    const fresh = new PostgresReadStore({ connectionString: DATABASE_URL, schema: rebuilt });
    try {
      const runner = new ProjectionRunner({ store, readStore: fresh, projections, logger: silent });
      await runner.start();
      expect(await runner.waitFor(head, 20_000)).toBe(true);
      await runner.stop();
      // Every logical table (view) of every projection, all rows in a total order.
      const views = await sql<{ table_name: string }>(
        "SELECT table_name FROM information_schema.views WHERE table_schema = $1 ORDER BY table_name",
        [rebuilt],
      );
      expect(views.map((v) => v.table_name)).toEqual(
        expect.arrayContaining(["checkout_transactions", "credit_lines", "credit_line_tenures", "merchants"]),
      );
      for (const { table_name: view } of views) {
        const [{ n } = { n: 0 }] = await sql<{ n: number }>(
          "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2",
          [rebuilt, view],
        );
        const query = `SELECT * FROM ${view} ORDER BY ${Array.from({ length: n }, (_, i) => i + 1).join(", ")}`;
        expect(await live.query(query), view).toEqual(await fresh.query(query));
      }
      // And the books say what the load did: every hold captured or released.
      const [line] = await live.query("SELECT held_minor, used_minor FROM credit_lines");
      expect(line).toEqual({ held_minor: 0n, used_minor: BigInt(settledCount) * SEED_AMOUNT_MINOR });
      const transactions = await live.query(
        "SELECT trx_status, count(*) AS n FROM checkout_transactions GROUP BY trx_status ORDER BY trx_status",
      );
      expect(transactions).toEqual([
        { trx_status: "failed", n: BigInt(done - settledCount) },
        { trx_status: "pending", n: 1n }, // the one started while the publisher was down, never approved
        { trx_status: "settlement", n: BigInt(settledCount) },
      ]);

      // Kafka: every event of the log once after dedupe, each stream in revision order from 0.
      const log = await store.readAll({ after: "0", maxCount: 10_000 });
      expect(log.at(-1)?.position).toBe(head);
      await eventually(
        `all ${log.length} events on Kafka`,
        () => (seen.length >= log.length ? true : undefined),
        30_000,
        100,
      ).catch((error: unknown) => {
        const ids = new Set(seen.map((e) => e.eventId));
        const missing = log
          .filter((e) => !ids.has(e.eventId))
          .map((e) => `${e.position}:${e.streamId}@${e.revision}:${e.type}`);
        throw new Error(
          `${String(error)}; stats ${JSON.stringify(consumer?.stats())}; missing ${missing.join(" ")}`,
        );
      });
      await sleep(500); // anything more would be a duplicate the helper failed to drop
      expect(seen.map((e) => e.eventId).sort()).toEqual(log.map((e) => e.eventId).sort());
      const byStream = new Map<string, number[]>();
      for (const e of seen) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e.revision]);
      for (const [streamId, revisions] of byStream) {
        expect(revisions, streamId).toEqual(revisions.map((_, i) => i));
      }
      const stats = consumer.stats();
      expect(stats.gaps).toBe(0);
      // At least once on the wire, but resumed from the checkpoint: only what was between the publisher's
      // saved checkpoint and the log head when it was killed can have been sent twice.
      const resendable = log.filter(
        (e) => BigInt(e.position) > BigInt(atKill.publisher!) && BigInt(e.position) <= BigInt(headAtKill),
      ).length;
      expect(stats.duplicates).toBeLessThanOrEqual(resendable);
      console.log(
        `(c) ${done} transactions (${settledCount} settled), ${log.length} events; killed at head ${headAtKill} ` +
          `with checkpoints ${JSON.stringify(atKill)}; restarted at head ${headAtRestart}; ` +
          `init with the publisher down: ${whilePublisherDown.ms} ms; ` +
          `Kafka: ${stats.received} received, ${stats.duplicates} duplicates dropped (≤ ${resendable} resendable)`,
      );
    } finally {
      await store.close();
      await live.close();
      await fresh.close();
    }
  }, 180_000);
});

const silent = { info() {}, error() {} };

/** Every follower but `name` running within a few positions of the head. */
/**
 * A wait, not a timing target: a restarted projector catches every follower up while the gateway keeps
 * appending, and the Partner API, lender and finance contexts added followers to catch up (60 s, not 15).
 */
function caughtUpExcept(url: string, name: string): Promise<true> {
  return eventually(
    `every follower but ${name} caught up`,
    async () => {
      const { body } = await readyz(url);
      const head = BigInt(body.store.head ?? "0");
      return body.projections
        .filter((p) => p.name !== name)
        .every((p) => p.status === "running" && head - BigInt(p.position) < 10n)
        ? true
        : undefined;
    },
    60_000,
  );
}

async function checkpoints(s: string): Promise<Record<string, string>> {
  const rows = await sql<{ name: string; position: string }>(
    `SELECT s.name, c.position FROM "${s}".projection_state s
       JOIN "${s}".projection_checkpoints c ON c.name = s.name AND c.generation = s.generation`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, String(r.position)]));
}
