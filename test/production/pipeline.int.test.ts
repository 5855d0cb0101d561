import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventEnvelope } from "../../contracts/envelope.ts";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { consumeEvents, type EventConsumer, type EventContext } from "../../services/publisher/consumer.ts";
import { topicFor } from "../../services/publisher/topics.ts";
import { Receiver } from "../notifier/harness.ts";
import { initRequest, statusRequest } from "../support/checkout-requests.ts";
import { eventually } from "../support/eventually.ts";
import { approveInBrowser } from "../support/http-browser.ts";
import { type KafkaBrokers, kafkaBrokers } from "../support/kafka.ts";
import { kredivo } from "../support/kredivo-http.ts";
import { uniqueSchema } from "../support/postgres.ts";
import { stopService } from "../support/service-process.ts";
import {
  caughtUp,
  deleteTopics,
  dropSchema,
  initCheckout,
  productionEnv,
  type Role,
  type RoleProcess,
  readyz,
  sampleSignature,
  sql,
  startRole,
  storedStream,
} from "./support.ts";

// The production shape on this machine: PostgreSQL event store + PostgreSQL read models + Kafka, each role
// its own process (`services/main.ts --role …`, own port), one schema, one topic prefix. The checkout
// lifecycle end to end over HTTP: the merchant inits, the buyer approves on the hosted page (a browser over
// real HTTP, cookies and forms), the notifier — in its own process, woken by PostgreSQL LISTEN/NOTIFY from
// the gateway's appends — pushes to the merchant's HTTP server, the merchant confirms with the push's
// signature_key, the status is `settlement`, and every event of the transaction reaches Kafka (consumer
// helper: deduped, per-stream order).
//
// Topics are `<prefix>.<kind>.v1` with a prefix of this run (KAFKA_TOPIC_PREFIX; production's is
// `payments`), so a run never meets another run's `creditline-sandbox-buyer` revisions on a shared broker.

const RUN = Math.random().toString(36).slice(2, 8);
const SCHEMA = uniqueSchema("prod_pipeline");
const PREFIX = `p${RUN}.payments`;
const ROLES: readonly Role[] = ["gateway", "projector", "notifier", "publisher"];

let kafka: KafkaBrokers | undefined;
let receiver: Receiver | undefined;
let consumer: EventConsumer | undefined;
const roles = new Map<Role, RoleProcess>();
const seen: { event: EventEnvelope; context: EventContext }[] = [];

beforeAll(async () => {
  kafka = await kafkaBrokers();
  receiver = await new Receiver().listen();
  const env = productionEnv({ schema: SCHEMA, brokers: kafka.brokers, topicPrefix: PREFIX });
  // All at once, as compose starts them: the schema is created by whichever gets there first.
  const started = await Promise.allSettled(ROLES.map((role) => startRole(role, env)));
  for (const [i, outcome] of started.entries()) {
    if (outcome.status === "fulfilled") roles.set(ROLES[i]!, outcome.value);
  }
  const failed = started.find((s) => s.status === "rejected");
  if (failed) throw failed.reason;
}, 180_000);

afterAll(async () => {
  await consumer?.stop().catch(() => {});
  const codes = await Promise.all([...roles.values()].map((r) => stopService(r)));
  await receiver?.close();
  await dropSchema(SCHEMA);
  if (kafka) await deleteTopics(kafka.brokers, PREFIX).catch(() => {});
  await kafka?.stop?.();
  // Graceful shutdown of every role: exit 0 on SIGTERM.
  expect(codes).toEqual(codes.map(() => 0));
}, 120_000);

const role = (r: Role) => roles.get(r)!;

describe("production shape: PostgreSQL + Kafka, one process per role", () => {
  it("every role listens on its own port and is ready on the shared schema", async () => {
    const urls = ROLES.map((r) => role(r).url);
    expect(new Set(urls).size).toBe(ROLES.length);
    for (const r of ROLES) {
      expect(role(r).logs.find((l) => l.msg === "listening")).toMatchObject({ role: r });
      expect((await readyz(role(r).url)).status).toBe(200);
    }
    // Only the publisher role talks to Kafka; the topics are this run's. The publisher connects after it
    // listens (an unreachable broker must not keep a role from starting), so wait for its log line.
    const created = await eventually("the publisher's topics", () =>
      role("publisher").logs.find((l) => l.msg === "kafka topics created"),
    );
    expect(created?.topics).toEqual(expect.arrayContaining([topicFor("checkout", PREFIX)]));
    for (const r of ["gateway", "projector", "notifier"] as const) {
      expect(role(r).logs.some((l) => l.msg === "kafka topics created")).toBe(false);
    }
  });

  it("a command in the gateway role answers without waiting on other roles' checkpoints", async () => {
    // Read-your-writes across processes watches the read models' checkpoints; projections write theirs
    // lazily after events they ignore, and the publisher's and the outbox's are no read model at all.
    const gateway = role("gateway").url;
    const ms: number[] = [];
    for (let i = 0; i < 5; i++) {
      const init = await kredivo(gateway, "/checkout/init", initRequest(`LAT-${RUN}-${i}`, receiver!.url));
      expect(init.json.status).toBe(1);
      ms.push(init.ms);
    }
    ms.sort((a, b) => a - b);
    expect(ms[2]).toBeLessThan(500);
    console.log(`pipeline: checkout/init in the gateway role ${ms.join(", ")} ms`);
  });

  it("init → hosted-page approval → push → update settled → settlement, every event on Kafka in order", async () => {
    const gateway = role("gateway").url;
    consumer = await consumeEvents({
      brokers: kafka!.brokers,
      groupId: `pipeline-${RUN}`,
      topics: [topicFor("checkout", PREFIX), topicFor("creditline", PREFIX)],
      handler: (event, context) => {
        seen.push({ event, context });
      },
    });

    // 1. The merchant starts a checkout; the hosted page is the gateway's own.
    const orderId = `PROD-${randomUUID().slice(0, 8)}`;
    const { transactionId, checkoutUrl } = await initCheckout(gateway, orderId, receiver!.url);
    expect(checkoutUrl).toBe(`${gateway}/kredivo/signIn?tk=${transactionId}`);

    // 2. The buyer, in a browser: sign-in page, phone + PIN, OTP, order summary, approve → back to the store.
    const approvedAt = Date.now();
    expect(await approveInBrowser(checkoutUrl)).toMatchObject({
      status: 303,
      location: "http://127.0.0.1:9/back-to-store",
    });

    // 3. The push: the notifier runs in another process and learns of the gateway's append only through
    //    PostgreSQL's NOTIFY (it never polls), so its arrival proves the wake-up crosses processes.
    const push = await eventually(
      "the pending push",
      () =>
        receiver!.received
          .map((r) => ({ ...JSON.parse(r.body), headers: r.headers }) as Record<string, unknown>)
          .find((p) => p.transaction_id === transactionId && p.trx_status === "pending"),
      15_000,
    );
    const pushMs = Date.now() - approvedAt;
    expect(push).toMatchObject({ order_id: orderId, amount: "6505000.0", tenure: 1 });
    expect(push.signature_key).toBe(sampleSignature(transactionId, orderId));

    // 4. The merchant confirms with the push's signature_key.
    const update = await kredivo(gateway, "/checkout/update", {
      signature_key: push.signature_key,
      transaction_id: transactionId,
      status: "settled",
    });
    expect(update.httpStatus).toBe(200);
    expect(update.json).toMatchObject({ status: "settlement", message: "Success", order_id: orderId });

    // 5. The status, from the read model the projector process keeps in PostgreSQL.
    const status = await kredivo(gateway, "/transaction/status", statusRequest(transactionId));
    expect(status.json.trx_status).toBe("settlement");

    // 6. The credit-line reactor (projector process) captures the hold; the books follow.
    const creditLine = `creditline-${SANDBOX_BUYER.userId}`;
    const ofTransaction = async () => {
      const checkout = await storedStream(SCHEMA, `checkout-${transactionId}`);
      const rows = await sql<{ event_id: string }>(
        `SELECT event_id::text FROM "${SCHEMA}".events WHERE stream_id = $1 AND data->>'transactionId' = $2`,
        [creditLine, transactionId],
      );
      const ids = new Set(rows.map((r) => r.event_id));
      const credit = (await storedStream(SCHEMA, creditLine)).filter((e) => ids.has(e.eventId));
      return { checkout, credit };
    };
    const stored = await eventually("the hold captured", async () => {
      const s = await ofTransaction();
      return s.credit.some((e) => e.type === "CreditHoldCaptured") ? s : undefined;
    });
    expect(stored.checkout.map((e) => e.type)).toEqual(expect.arrayContaining(["Initiated", "Settled"]));
    expect(stored.credit.map((e) => e.type)).toEqual(
      expect.arrayContaining(["CreditHeld", "CreditHoldCaptured"]),
    );
    await caughtUp(role("projector").url);
    const [line] = await sql<{ held_minor: string; used_minor: string }>(
      `SELECT held_minor::text, used_minor::text FROM "${SCHEMA}".credit_lines WHERE user_id = $1`,
      [SANDBOX_BUYER.userId],
    );
    expect(line).toEqual({ held_minor: "0", used_minor: "6505000" });

    // 7. Kafka: every event of the transaction, once after dedupe, each stream in revision order, keyed by
    //    stream, with the event id in the headers and the envelope as the value.
    const wanted = [...stored.checkout, ...stored.credit];
    await eventually(
      `${wanted.length} events of ${transactionId} on Kafka`,
      () => (wanted.every((w) => seen.some((s) => s.event.eventId === w.eventId)) ? true : undefined),
      20_000,
      50,
    );
    const ids = seen.map((s) => s.event.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [streamId, events] of [
      [`checkout-${transactionId}`, stored.checkout],
      [creditLine, stored.credit],
    ] as const) {
      const onKafka = seen.filter((s) => s.event.streamId === streamId);
      // The whole stream, in the log's revision order (the credit line holds the sandbox seed too).
      const revisions = onKafka.map((s) => s.event.revision);
      expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
      expect(revisions).toEqual(revisions.map((_, i) => revisions[0]! + i));
      const ofThis = onKafka.filter((s) => events.some((e) => e.eventId === s.event.eventId));
      expect(ofThis.map((s) => s.event.eventId)).toEqual(events.map((e) => e.eventId));
      for (const { event, context } of ofThis) {
        const stored = events.find((e) => e.eventId === event.eventId)!;
        expect(event).toMatchObject({
          type: stored.type,
          revision: stored.revision,
          position: stored.position,
        });
        expect(context.key).toBe(streamId);
        expect(context.topic).toBe(topicFor(streamId.split("-")[0]!, PREFIX));
        expect(context.headers["event-id"]).toBe(event.eventId);
        expect(context.headers["event-type"]).toBe(event.type);
      }
    }
    expect(consumer.stats().gaps).toBe(0);
    console.log(
      `pipeline: push ${pushMs} ms after approval; ${wanted.length} events of the transaction on Kafka ` +
        `(${stored.checkout.map((e) => e.type).join(", ")} | ${stored.credit.map((e) => e.type).join(", ")})`,
    );
  });
});
