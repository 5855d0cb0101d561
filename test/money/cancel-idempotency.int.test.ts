import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CheckoutHarness, startCheckoutHarness } from "../checkout/harness.ts";
import { Receiver } from "../notifier/harness.ts";
import { cancelRequest } from "../support/checkout-requests.ts";
import { settleThroughHttp } from "../support/money-flows.ts";

// Our extension to POST /kredivo/transaction/cancel: an optional Idempotency-Key. The same key and body
// answer as the first request did and cancel once; the key with another body is 1002; while the first
// request runs, 9999 with HTTP 503; without the header each request is a new cancellation, as the seed has it.

const AMOUNT = 1_000_000;
const LEASE_MS = 1_000;

let h: CheckoutHarness;
const receiver = new Receiver();

beforeAll(async () => {
  await receiver.listen();
  h = await startCheckoutHarness({
    env: { CONFIRM_TIMEOUT_SECONDS: "30", IDEMPOTENCY_LEASE_MS: String(LEASE_MS) },
  });
});
afterAll(async () => {
  await h?.close();
  await receiver.close();
});

const settle = () => settleThroughHttp(h, { amount: AMOUNT, pushUrl: receiver.url });

const cancel = (body: unknown, key?: string) =>
  h.post("/transaction/cancel", body, key === undefined ? {} : { "idempotency-key": key });

async function cancellations(transactionId: string): Promise<unknown[]> {
  const events = await h.store.readStream(`checkout-${transactionId}`);
  return events.filter((e) => e.type === "Cancelled").map((e) => e.data);
}

const RECEIVED = '{"status":1,"message":"API cancel received"}';

describe("POST /kredivo/transaction/cancel with an Idempotency-Key", () => {
  it("a retried partial cancellation with the same key answers the same and cancels once", async () => {
    const t = await settle();
    const first = await cancel(cancelRequest(t, { amount: 400_000 }), "cancel-1");
    expect(first.statusCode).toBe(200);
    expect(first.body).toBe(RECEIVED);
    const head = await h.quietHead();
    const again = await cancel(cancelRequest(t, { amount: 400_000 }), "cancel-1");
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe(first.body);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(await h.head()).toBe(head);
    expect(await cancellations(t.transactionId)).toHaveLength(1);
  });

  it("a refusal is answered the same way again", async () => {
    const t = await settle();
    const first = await cancel(cancelRequest(t, { amount: AMOUNT + 1 }), "cancel-too-much");
    expect(first.json()).toMatchObject({ status: 2013 });
    const again = await cancel(cancelRequest(t, { amount: AMOUNT + 1 }), "cancel-too-much");
    expect(again.body).toBe(first.body);
    expect(again.headers["idempotent-replayed"]).toBe("true");
  });

  it("the same key with a different body is 1002 naming the header, and appends nothing", async () => {
    const t = await settle();
    await cancel(cancelRequest(t, { amount: 100_000 }), "cancel-2");
    const head = await h.quietHead();
    const res = await cancel(cancelRequest(t, { amount: 200_000 }), "cancel-2");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 1002,
      message: "Bad request, please check your request.",
      error: {
        message:
          "Idempotency-Key: this key was used for a different cancellation; send a new key for a new cancellation",
      },
    });
    expect(await h.head()).toBe(head);
    expect(await cancellations(t.transactionId)).toHaveLength(1);
  });

  it("keys are the merchant's: another transaction's body with the key is a different request", async () => {
    const a = await settle();
    const b = await settle();
    expect((await cancel(cancelRequest(a, { amount: 100_000 }), "cancel-3")).body).toBe(RECEIVED);
    expect((await cancel(cancelRequest(b, { amount: 100_000 }), "cancel-3")).json()).toMatchObject({
      status: 1002,
    });
    expect(await cancellations(b.transactionId)).toHaveLength(0);
  });

  it("a malformed key is 1002 and appends nothing", async () => {
    const t = await settle();
    const head = await h.quietHead();
    const res = await cancel(cancelRequest(t, { amount: 100_000 }), "with space");
    expect(res.json()).toMatchObject({
      status: 1002,
      error: {
        message: "Idempotency-Key: send 1 to 255 visible ASCII characters (e.g. a UUID), or leave it out",
      },
    });
    expect(await h.head()).toBe(head);
  });

  it("while the first request holds the key, a retry is 9999 with HTTP 503 and Retry-After", async () => {
    const t = await settle();
    const body = cancelRequest(t, { amount: 100_000 });
    expect((await cancel(body, "cancel-4")).body).toBe(RECEIVED);
    // As if its answer were not stored yet: the first request still running, its lease fresh.
    await h.readStore.query(
      "UPDATE idempotency_keys SET state = 'running', lease_until = ? WHERE idem_key = 'cancel-4'",
      [Date.now() + 60_000],
    );
    const head = await h.quietHead();
    const res = await cancel(body, "cancel-4");
    expect(res.statusCode).toBe(503);
    expect(res.headers["retry-after"]).toBe("1");
    expect(res.json()).toMatchObject({
      status: 9999,
      error: {
        message: "Idempotency-Key: the first request with this key is still being processed; retry shortly",
      },
    });
    expect(await h.head()).toBe(head);
    expect(await cancellations(t.transactionId)).toHaveLength(1);
  });

  it("a retry that takes over a claim whose holder died cancels nothing more: the id comes from the key", async () => {
    const t = await settle();
    const body = cancelRequest(t, { amount: 300_000 });
    expect((await cancel(body, "cancel-5")).body).toBe(RECEIVED);
    // As if the process had died between the append and storing the answer, and the lease had run out.
    await h.readStore.query(
      "UPDATE idempotency_keys SET state = 'running', lease_until = 0 WHERE idem_key = 'cancel-5'",
    );
    const head = await h.quietHead();
    const retry = await cancel(body, "cancel-5");
    expect(retry.body).toBe(RECEIVED);
    expect(retry.headers["idempotent-replayed"]).toBeUndefined();
    expect(await h.head()).toBe(head);
    expect(await cancellations(t.transactionId)).toHaveLength(1);
  });

  it("without the header each request is a new cancellation, as the seed has it", async () => {
    const t = await settle();
    expect((await cancel(cancelRequest(t, { amount: 100_000 }))).body).toBe(RECEIVED);
    expect((await cancel(cancelRequest(t, { amount: 100_000 }))).body).toBe(RECEIVED);
    expect(await cancellations(t.transactionId)).toHaveLength(2);
  });
});
