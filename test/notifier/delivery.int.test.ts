import { createHash, createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findAttempts } from "../../services/notifier/store.ts";
import type { ReadStore, SqlValue } from "../../services/platform/readstore/port.ts";
import { deniedCheckout, pendingCheckout } from "../support/checkout-fixtures.ts";
import { eventually } from "../support/eventually.ts";
import { registerMerchant } from "../support/merchants.ts";
import { OK, World } from "./harness.ts";

// The notifier end to end on real components: checkout events decided into the SQLite log, the notifier
// following it, and a real HTTP server as the merchant's push_url.

let world: World;
beforeEach(() => {
  world = new World();
});
afterEach(async () => {
  await world.close();
});

/** The seed's signature_key, computed here from the server_key alone (not with the service's code). */
function expectedSignatureKey(serverKey: string, fields: string[]): string {
  const key = createHash("sha256").update(serverKey).digest("hex");
  return createHmac("sha256", key).update(fields.join("|")).digest("base64");
}

describe("merchant push notifications", () => {
  it("delivers a pending push on the first try with the seed's body and Standard Webhooks headers", async () => {
    const receiver = await world.receiver().listen();
    const notifier = await world.notifier();
    const merchant = await registerMerchant(world.store);
    const checkout = await pendingCheckout(world.store, merchant, { pushUrl: receiver.url });

    const delivery = await world.until(notifier, checkout.eventId, "delivered");

    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(JSON.parse(request!.body)).toStrictEqual({
      amount: "1500000.0",
      discount_amount: "0.0",
      disbursed_amount: "1500000.0",
      tenure: 3,
      trx_status: "pending",
      order_id: checkout.orderId,
      transaction_time: Date.parse(checkout.initiatedAt) / 1000,
      transaction_id: checkout.transactionId,
      signature_key: expectedSignatureKey(merchant.serverKey, [
        checkout.transactionId,
        checkout.orderId,
        "1500000",
        "3",
      ]),
      message: "pending merchant’s confirmation",
    });
    const headers = request!.headers;
    expect(headers["content-type"]).toBe("application/json");
    expect(headers["webhook-id"]).toBe(checkout.eventId);
    const timestamp = Number(headers["webhook-timestamp"]);
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(30);
    const key = createHash("sha256").update(merchant.serverKey).digest("hex");
    const signed = createHmac("sha256", key)
      .update(`${checkout.eventId}.${timestamp}.${request!.body}`)
      .digest("base64");
    expect(headers["webhook-signature"]).toBe(`v1,${signed}`);

    expect(delivery).toMatchObject({
      status: "delivered",
      attempts: 1,
      source: "kredivo-push",
      labels: { transactionId: checkout.transactionId, trxStatus: "pending" },
      url: receiver.url,
    });
    const attempts = await findAttempts(world.readStore, checkout.eventId);
    expect(attempts).toMatchObject([
      { round: 0, attempt: 1, httpStatus: 200, error: null, outcome: "delivered" },
    ]);
    expect(attempts[0]!.url).toBe(receiver.url);
  });

  it("pushes a denial with trx_status denied", async () => {
    const receiver = await world.receiver().listen();
    const notifier = await world.notifier();
    const merchant = await registerMerchant(world.store);
    const checkout = await deniedCheckout(world.store, merchant, { pushUrl: receiver.url, tenure: 1 });

    await world.until(notifier, checkout.eventId, "delivered");
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({
      trx_status: "denied",
      tenure: 1,
      message: "transaction denied: insufficient limit",
    });
  });

  it("retries after a 500 and records both attempts", async () => {
    const receiver = await world
      .receiver()
      .replies({ status: 500, body: { error: "boom" } }, OK)
      .listen();
    const notifier = await world.notifier();
    const merchant = await registerMerchant(world.store);
    const checkout = await pendingCheckout(world.store, merchant, { pushUrl: receiver.url });

    const delivery = await world.until(notifier, checkout.eventId, "delivered");

    expect(delivery.attempts).toBe(2);
    expect(await findAttempts(world.readStore, checkout.eventId)).toMatchObject([
      { attempt: 1, httpStatus: 500, error: "HTTP 500", outcome: "failed" },
      { attempt: 2, httpStatus: 200, error: null, outcome: "delivered" },
    ]);
    // Same event, same bytes, same webhook-id on the retry.
    const [first, second] = receiver.received;
    expect(second!.body).toBe(first!.body);
    expect(second!.headers["webhook-id"]).toBe(first!.headers["webhook-id"]);
  });

  it('counts a 2xx without {"status":"OK"} as not delivered', async () => {
    const receiver = await world
      .receiver()
      .replies({ status: 200, body: { status: "ERROR" } }, OK)
      .listen();
    const notifier = await world.notifier();
    const merchant = await registerMerchant(world.store);
    const checkout = await pendingCheckout(world.store, merchant, { pushUrl: receiver.url });

    await world.until(notifier, checkout.eventId, "delivered");
    expect(await findAttempts(world.readStore, checkout.eventId)).toMatchObject([
      { attempt: 1, httpStatus: 200, outcome: "failed" },
      { attempt: 2, httpStatus: 200, outcome: "delivered" },
    ]);
  });

  it("dead-letters a delivery after its last attempt when the receiver is down", async () => {
    const receiver = await world.receiver().reserveClosedPort();
    const notifier = await world.notifier();
    const merchant = await registerMerchant(world.store);
    const checkout = await pendingCheckout(world.store, merchant, { pushUrl: receiver.url });

    const delivery = await world.until(notifier, checkout.eventId, "dead");

    expect(delivery).toMatchObject({ attempts: 3, nextAttemptAt: null });
    expect(delivery.deadAt).not.toBeNull();
    const attempts = await findAttempts(world.readStore, checkout.eventId);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    for (const a of attempts) {
      expect(a).toMatchObject({ httpStatus: null, outcome: "failed" });
      expect(a.error).toMatch(/ECONNREFUSED/);
    }
  });

  it("honours Retry-After on a 503", async () => {
    const receiver = await world
      .receiver()
      .replies({ status: 503, headers: { "retry-after": "1" } }, OK)
      .listen();
    const notifier = await world.notifier();
    const merchant = await registerMerchant(world.store);
    const checkout = await pendingCheckout(world.store, merchant, { pushUrl: receiver.url });

    await world.until(notifier, checkout.eventId, "delivered");
    const [first, second] = receiver.received;
    // The schedule alone would retry within 5 ms; the receiver asked for a second.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(990);
  });

  it("times out an attempt that gets no answer", async () => {
    const receiver = await world.receiver().replies({ status: 200, hang: true }, OK).listen();
    const notifier = await world.notifier({ timeoutMs: 100 });
    const merchant = await registerMerchant(world.store);
    const checkout = await pendingCheckout(world.store, merchant, { pushUrl: receiver.url });

    await world.until(notifier, checkout.eventId, "delivered");
    expect(await findAttempts(world.readStore, checkout.eventId)).toMatchObject([
      { attempt: 1, httpStatus: null, error: "timeout after 100 ms" },
      { attempt: 2, httpStatus: 200, outcome: "delivered" },
    ]);
  });

  it("a receiver that hangs does not hold up another merchant's push", async () => {
    const stuck = await world.receiver().replies({ status: 200, hang: true }).listen();
    const healthy = await world.receiver().listen();
    await world.notifier({ timeoutMs: 30_000, concurrency: 2 });
    const slow = await registerMerchant(world.store);
    const fast = await registerMerchant(world.store);
    const stuckPush = await pendingCheckout(world.store, slow, { pushUrl: stuck.url });
    const healthyPush = await pendingCheckout(world.store, fast, { pushUrl: healthy.url });

    // Delivered while the other push is still waiting for its answer (its attempt is not yet recorded).
    await world.polled(healthyPush.eventId, "delivered");
    expect(stuck.received).toHaveLength(1);
    expect((await world.polled(stuckPush.eventId, "pending")).attempts).toBe(0);
  });

  it("an attempt that ends while the worker reads the pending deliveries is not sent again from that read", async () => {
    let answerFirst!: () => void;
    const firstAnswered = new Promise<void>((resolve) => {
      answerFirst = resolve;
    });
    // The first attempt fails, and its retry is a minute away: any second request now is a stale read's.
    const receiver = await world.receiver().replies({ status: 500, after: firstAnswered }, OK).listen();
    const reads = pendingReadsHeld(world.readStore);
    const notifier = await world.notifier({
      readStore: reads.store,
      schedule: { firstRetryMs: 60_000, maxRetryMs: 60_000, maxAttempts: 3 },
    });
    const merchant = await registerMerchant(world.store);
    const checkout = await pendingCheckout(world.store, merchant, { pushUrl: receiver.url });
    await eventually("the first attempt in flight", async () => receiver.received.length === 1 || undefined);

    // A read of the pending deliveries taken while the attempt is in flight (it shows the push due), answered
    // only once the attempt has been recorded and has left the worker's slots.
    const recorded = world.polled(checkout.eventId, "pending").then(async () => {
      await eventually("the attempt recorded", async () => {
        const [attempt] = await findAttempts(world.readStore, checkout.eventId);
        return attempt ?? undefined;
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    const stale = reads.holdNext(recorded);
    notifier.wake();
    await stale;
    answerFirst();
    await recorded;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.received).toHaveLength(1);
  });
});

/**
 * The read store with the worker's next read of pending deliveries held: the query runs when asked (so it sees
 * the deliveries as they are then), its rows are handed back only once `until` settles.
 */
function pendingReadsHeld(readStore: ReadStore) {
  let hold: { until: Promise<unknown>; taken: () => void } | undefined;
  const store = new Proxy(readStore, {
    get(target, name) {
      const value = Reflect.get(target, name, target);
      if (name !== "query") return typeof value === "function" ? value.bind(target) : value;
      return async (sql: string, params?: readonly SqlValue[]) => {
        const rows = await target.query(sql, params);
        const held = hold;
        if (held && sql.includes("status = 'pending'")) {
          hold = undefined;
          held.taken();
          await held.until;
        }
        return rows;
      };
    },
  });
  return {
    store,
    /** Resolves once the held read has been taken. */
    holdNext: (until: Promise<unknown>) =>
      new Promise<void>((taken) => {
        hold = { until, taken };
      }),
  };
}
