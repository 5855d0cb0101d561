import { afterEach, describe, expect, it } from "vitest";
import { findAttempts, findDelivery } from "../../services/notifier/store.ts";
import { NOTIFIER, NOTIFIER_TABLES, VERSION } from "../../services/notifier/tables.ts";
import type { EventStore } from "../../services/platform/eventstore/port.ts";
import type { SqlValue, Statement, TableSpec } from "../../services/platform/readstore/port.ts";
import { pendingCheckout } from "../support/checkout-fixtures.ts";
import { registerMerchant } from "../support/merchants.ts";
import { POSTGRES, type ReadStoreChoice, SQLITE, World } from "./harness.ts";

// A database written by the notifier before delivery sources (schema version 1: Kredivo pushes only, with
// transaction_id and trx_status columns) keeps every delivery across the upgrade, on both read stores.

/** The notifier's tables as version 1 created them. */
const VERSION_1_TABLES: Record<string, TableSpec> = {
  notifier_deliveries: {
    columns: `delivery_id TEXT PRIMARY KEY, stream_id TEXT NOT NULL, transaction_id TEXT NOT NULL,
      event_type TEXT NOT NULL, event_position TEXT NOT NULL, trx_status TEXT NOT NULL, status TEXT NOT NULL,
      attempts BIGINT NOT NULL, replays BIGINT NOT NULL, pending_since BIGINT NOT NULL, next_attempt_at BIGINT,
      created_at TEXT NOT NULL, delivered_at TEXT, dead_at TEXT, last_error TEXT`,
    indexes: ["status, next_attempt_at", "status, dead_at"],
  },
  notifier_attempts: {
    columns: `delivery_id TEXT NOT NULL, round BIGINT NOT NULL, attempt BIGINT NOT NULL, started_at TEXT NOT NULL,
      duration_ms BIGINT NOT NULL, url TEXT, http_status BIGINT, error TEXT, outcome TEXT NOT NULL,
      PRIMARY KEY (delivery_id, round, attempt)`,
  },
};

const statement = (sql: string, ...params: SqlValue[]): Statement => ({ sql, params });

interface Version1Delivery {
  readonly status: "pending" | "delivered" | "dead";
  /** Attempts already made: [httpStatus or null, outcome]. */
  readonly attempts: readonly [number | null, "failed" | "delivered"][];
  readonly url: string;
}

async function eventPosition(store: EventStore, streamId: string, eventId: string): Promise<string> {
  const events = await store.readStream(streamId);
  const event = events.find((e) => e.eventId === eventId);
  if (!event) throw new Error(`no event ${eventId} in ${streamId}`);
  return event.position;
}

/** The statements version 1 would have written for one push delivery and its attempts. */
async function version1Rows(
  world: World,
  checkout: { eventId: string; streamId: string; transactionId: string },
  delivery: Version1Delivery,
): Promise<Statement[]> {
  const now = Date.now();
  const at = new Date(now).toISOString();
  const last = delivery.attempts.at(-1);
  return [
    statement(
      `INSERT INTO {{notifier_deliveries}} (delivery_id, stream_id, transaction_id, event_type, event_position,
        trx_status, status, attempts, replays, pending_since, next_attempt_at, created_at, delivered_at, dead_at,
        last_error) VALUES (?, ?, ?, 'Pending', ?, 'pending', ?, ?, 0, ?, ?, ?, ?, ?, ?)`,
      checkout.eventId,
      checkout.streamId,
      checkout.transactionId,
      await eventPosition(world.store, checkout.streamId, checkout.eventId),
      delivery.status,
      delivery.attempts.length,
      now,
      delivery.status === "pending" ? now : null,
      at,
      delivery.status === "delivered" ? at : null,
      delivery.status === "dead" ? at : null,
      last && last[1] === "failed" ? `HTTP ${last[0]}` : null,
    ),
    ...delivery.attempts.map(([httpStatus, outcome], i) =>
      statement(
        `INSERT INTO {{notifier_attempts}} (delivery_id, round, attempt, started_at, duration_ms, url, http_status,
          error, outcome) VALUES (?, 0, ?, ?, 3, ?, ?, ?, ?)`,
        checkout.eventId,
        i + 1,
        at,
        delivery.url,
        httpStatus,
        outcome === "failed" ? `HTTP ${httpStatus ?? "none"}` : null,
        outcome,
      ),
    ),
  ];
}

describe.each([
  ["SQLite", SQLITE],
  ["PostgreSQL", POSTGRES],
] as [string, () => ReadStoreChoice][])("notifier tables of version 1 on %s", (_, readStore) => {
  let world: World;
  afterEach(async () => {
    await world.close();
  });

  /** A version 1 database: a push due again after a 500, a dead letter, a delivered push; checkpoint at head. */
  async function version1World() {
    world = new World(readStore());
    const receiver = await world.receiver().listen();
    const merchant = await registerMerchant(world.store);
    const due = await pendingCheckout(world.store, merchant, { pushUrl: receiver.url });
    const dead = await pendingCheckout(world.store, merchant, { pushUrl: receiver.url });
    const delivered = await pendingCheckout(world.store, merchant, { pushUrl: receiver.url });
    const url = receiver.url;
    const rows = [
      ...(await version1Rows(world, due, { status: "pending", attempts: [[500, "failed"]], url })),
      ...(await version1Rows(world, dead, {
        status: "dead",
        attempts: [
          [503, "failed"],
          [503, "failed"],
          [503, "failed"],
        ],
        url,
      })),
      ...(await version1Rows(world, delivered, { status: "delivered", attempts: [[200, "delivered"]], url })),
    ];
    await world.readStore.prepareGeneration(NOTIFIER, 1, 1, VERSION_1_TABLES);
    await world.readStore.promote(NOTIFIER, 1, 1, VERSION_1_TABLES);
    const head = await world.store.headPosition();
    await world.readStore.apply(NOTIFIER, 1, rows, head);
    return { receiver, due, dead, delivered, head };
  }

  async function expectEveryDeliveryKept(v1: Awaited<ReturnType<typeof version1World>>) {
    // "Sent once" is about the copy: an attempt timed out on a loaded machine is retried, as it should be, so
    // the attempt's timeout is far above any answer of this receiver's.
    const notifier = await world.notifier({ timeoutMs: 30_000 });
    expect(await world.readStore.projectionState(NOTIFIER)).toMatchObject({
      generation: 2,
      version: VERSION,
      position: v1.head,
      status: "running",
    });

    await world.until(notifier, v1.due.eventId, "delivered");
    expect(v1.receiver.received.map((r) => r.headers["webhook-id"])).toEqual([v1.due.eventId]);
    expect(JSON.parse(v1.receiver.received[0]!.body)).toMatchObject({
      transaction_id: v1.due.transactionId,
      trx_status: "pending",
    });
    expect(await findAttempts(world.readStore, v1.due.eventId)).toMatchObject([
      { round: 0, attempt: 1, httpStatus: 500, outcome: "failed" },
      { round: 0, attempt: 2, httpStatus: 200, outcome: "delivered" },
    ]);

    expect(await findDelivery(world.readStore, v1.dead.eventId)).toMatchObject({
      source: "kredivo-push",
      streamId: v1.dead.streamId,
      eventType: "Pending",
      labels: { transactionId: v1.dead.transactionId, trxStatus: "pending" },
      url: v1.receiver.url,
      status: "dead",
      attempts: 3,
      lastError: "HTTP 503",
    });
    expect(await findAttempts(world.readStore, v1.dead.eventId)).toHaveLength(3);
    expect(await findDelivery(world.readStore, v1.delivered.eventId)).toMatchObject({
      status: "delivered",
      attempts: 1,
      labels: { transactionId: v1.delivered.transactionId, trxStatus: "pending" },
    });

    await notifier.idle();
    expect(v1.receiver.received).toHaveLength(1);
    const count = await world.readStore.query("SELECT COUNT(*) AS n FROM notifier_deliveries");
    expect(Number(count[0]!.n)).toBe(3);
    // The version 1 tables are gone once the copy is current.
    await expect(
      world.readStore.query("SELECT COUNT(*) AS n FROM notifier_deliveries__g1"),
    ).rejects.toThrow();
  }

  it("are not needed on a fresh database: it starts at generation 1 of the current version", async () => {
    world = new World(readStore());
    const receiver = await world.receiver().listen();
    const notifier = await world.notifier();
    const checkout = await pendingCheckout(world.store, await registerMerchant(world.store), {
      pushUrl: receiver.url,
    });

    expect(await world.until(notifier, checkout.eventId, "delivered")).toMatchObject({
      source: "kredivo-push",
      labels: { transactionId: checkout.transactionId, trxStatus: "pending" },
      url: receiver.url,
    });
    expect(await world.readStore.projectionState(NOTIFIER)).toMatchObject({
      generation: 1,
      version: VERSION,
      position: await world.store.headPosition(),
    });
  });

  it("are copied forward at start: pending ones are sent, dead letters and history kept, nothing re-sent", async () => {
    await expectEveryDeliveryKept(await version1World());
  });

  it("a copy cut short by a crash is done again from the version 1 tables, once", async () => {
    const v1 = await version1World();
    // What a crash between the copy and the swap leaves: the next generation filled, version 1 still current.
    await world.readStore.prepareGeneration(NOTIFIER, 2, VERSION, NOTIFIER_TABLES);
    await world.readStore.apply(
      NOTIFIER,
      2,
      [
        statement(
          `INSERT INTO {{notifier_deliveries}} (delivery_id, source, stream_id, event_type, event_position, labels,
            status, attempts, replays, pending_since, created_at)
           VALUES (?, 'kredivo-push', ?, 'Pending', '1', '{}', 'delivered', 1, 0, 0, '2026-11-27T10:00:00.000Z')`,
          v1.due.eventId,
          v1.due.streamId,
        ),
      ],
      v1.head,
    );
    expect(await world.readStore.projectionState(NOTIFIER)).toMatchObject({ generation: 1, version: 1 });

    await expectEveryDeliveryKept(v1);
  });
});

describe("notifier tables of a newer version", () => {
  let world: World;
  afterEach(async () => {
    await world.close();
  });

  it("stop the start, saying so, and change nothing", async () => {
    world = new World();
    await world.readStore.prepareGeneration(NOTIFIER, 1, VERSION + 1, NOTIFIER_TABLES);
    await world.readStore.promote(NOTIFIER, 1, VERSION + 1, NOTIFIER_TABLES);

    await expect(world.notifier()).rejects.toThrow(
      `the notifier's tables are at version ${VERSION + 1}, newer than this code's ${VERSION}: run the newer notifier`,
    );
    expect(await world.readStore.projectionState(NOTIFIER)).toMatchObject({
      generation: 1,
      version: VERSION + 1,
    });
  });
});
