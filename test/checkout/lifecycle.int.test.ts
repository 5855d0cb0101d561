import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { OK, Receiver } from "../notifier/harness.ts";
import { initRequest, SEED_AMOUNT, singleItem } from "../support/checkout-requests.ts";
import { sleep } from "../support/eventually.ts";
import { approveInBrowser } from "../support/http-browser.ts";
import { approveAsSandboxBuyer } from "./harness.ts";
import {
  type LiveService,
  merchantVerifies,
  pushesOf,
  SANDBOX_LIMIT,
  startLiveService,
  waitForPush,
} from "./lifecycle-support.ts";

// The whole 2-click lifecycle over real HTTP against the composed runtime (every role in one process,
// listening on 127.0.0.1, a fresh DATA_DIR per test): the merchant inits, the buyer approves on the
// hosted page, the notifier pushes to a real HTTP receiver, the merchant confirms with the push's
// signature_key, and the books follow (the `credit_lines` read model). Retries are milliseconds apart,
// three attempts at most, the timer sweep runs every 50 ms.

const BAD_REQUEST = "Bad request, please check your request.";

let live: LiveService | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await live?.close();
  await receiver?.close();
  live = undefined;
  receiver = undefined;
});

const order = (label: string) => `LC-${label}-${randomUUID().slice(0, 8)}`;

/** The id of the one event of `type` in the transaction's stream: the delivery id of its push. */
async function eventId(l: LiveService, transactionId: string, type: string): Promise<string> {
  const events = (await l.service.store.readStream(`checkout-${transactionId}`)).filter(
    (e) => e.type === type,
  );
  expect(events).toHaveLength(1);
  return events[0]!.eventId;
}

/** Waits until the credit_lines read model shows `expected`. */
async function creditLineBecomes(l: LiveService, expected: { held: number; used: number }) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const line = await l.creditLine();
    if ((line.held === expected.held && line.used === expected.used) || Date.now() > deadline) {
      expect(line).toEqual({ total: SANDBOX_LIMIT, ...expected });
      return;
    }
    await sleep(20);
  }
}

describe("the 2-click lifecycle over HTTP", () => {
  it("init → hosted-page approval → pending push → checkout/update → settlement, credit moved from held to used", async () => {
    receiver = await new Receiver().listen();
    live = await startLiveService({ CONFIRM_TIMEOUT_SECONDS: "30" });
    const { client } = live;
    const orderId = order("happy");
    expect(await live.creditLine()).toEqual({ total: SANDBOX_LIMIT, held: 0, used: 0 });

    // 1. The merchant starts the checkout.
    const { transactionId, checkoutUrl } = await client.init(initRequest(orderId, receiver.url));
    expect(checkoutUrl).toBe(`${live.url}/kredivo/signIn?tk=${transactionId}`);
    expect(await client.trxStatus(transactionId)).toBe("pending");

    // 2. The buyer signs in, enters the OTP and approves tenure 1: a 303 back to the store.
    const approved = await approveInBrowser(checkoutUrl, 1);
    expect(approved).toMatchObject({ status: 303, location: "http://127.0.0.1:9/back-to-store" });
    await creditLineBecomes(live, { held: SEED_AMOUNT, used: 0 });

    // 3. The push arrives: pending, with a signature_key the merchant can check from its server_key.
    const push = await waitForPush(receiver, transactionId, "pending");
    expect(push).toMatchObject({
      amount: "6505000.0",
      discount_amount: "0.0",
      disbursed_amount: "6505000.0",
      tenure: 1,
      trx_status: "pending",
      order_id: orderId,
      transaction_id: transactionId,
      message: "pending merchant’s confirmation",
    });
    expect(push.signature_key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(merchantVerifies(push)).toBe(true);
    expect(push.webhookId).toBe(await eventId(live, transactionId, "Pending"));

    // 4. The merchant confirms with it: settlement, in the seed's shape.
    const updated = await client.update(transactionId, push.signature_key);
    expect(updated).toEqual({
      status: "settlement",
      message: "Success",
      tenure: 1,
      transaction_time: push.transaction_time,
      order_id: orderId,
      amount: "6505000.0",
      discount_amount: "0.0",
      disbursed_amount: "6505000.0",
      user_token: null,
    });
    expect(await client.trxStatus(transactionId)).toBe("settlement");

    // 5. The books: the hold became used credit, on the line and on tenure 1.
    await creditLineBecomes(live, { held: 0, used: SEED_AMOUNT });
    const [tenure1] = await live.service.readStore.query(
      "SELECT held_minor, used_minor FROM credit_line_tenures WHERE user_id = ? AND tenure = 1",
      [SANDBOX_BUYER.userId],
    );
    expect({ held: Number(tenure1!.held_minor), used: Number(tenure1!.used_minor) }).toEqual({
      held: 0,
      used: SEED_AMOUNT,
    });
    expect(await live.streamTypes(`checkout-${transactionId}`)).toEqual([
      "Initiated",
      "BuyerSignedIn",
      "OtpVerified",
      "Pending",
      "Settled",
    ]);
    // The capture opens the buyer's loan for the settled amount, in the same decision.
    const line = await live.service.store.readStream(`creditline-${SANDBOX_BUYER.userId}`);
    expect(line.map((e) => e.type)).toEqual([
      "CreditLimitSet",
      "CreditHeld",
      "CreditHoldCaptured",
      "LoanOpened",
    ]);
    expect(line.at(-1)!.data).toMatchObject({
      transactionId,
      tenure: 1,
      principalMinor: String(SEED_AMOUNT),
    });

    // One push for the whole lifecycle, delivered on its first attempt.
    await live.service.notifier!.idle();
    expect(pushesOf(receiver, transactionId)).toHaveLength(1);
    const delivery = await client.delivery(push.webhookId);
    expect(delivery).toMatchObject({ status: "delivered", attemptCount: 1, trxStatus: "pending" });
  });

  it("a receiver answering 500 then OK gets the push on a retry; the operator sees both attempts", async () => {
    receiver = await new Receiver()
      .replies({ status: 500, body: { error: "database is down" } }, OK)
      .listen();
    live = await startLiveService({ CONFIRM_TIMEOUT_SECONDS: "30" });
    const { client } = live;
    const { transactionId } = await client.init(initRequest(order("retry"), receiver.url));
    await approveAsSandboxBuyer(live.service.checkout!, transactionId);
    const deliveryId = await eventId(live, transactionId, "Pending");

    const delivery = await client.untilDelivery(deliveryId, "delivered");
    expect(delivery).toMatchObject({
      deliveryId,
      transactionId,
      eventType: "Pending",
      trxStatus: "pending",
      attemptCount: 2,
      replays: 0,
      lastError: null,
    });
    expect(delivery.attempts).toEqual([
      { round: 0, attempt: 1, httpStatus: 500, error: "HTTP 500", outcome: "failed" },
      { round: 0, attempt: 2, httpStatus: 200, error: null, outcome: "delivered" },
    ]);
    // Both attempts carried the same webhook-id and the same bytes.
    const pushes = pushesOf(receiver, transactionId);
    expect(pushes.map((p) => p.webhookId)).toEqual([deliveryId, deliveryId]);
    expect(pushes[1]!.raw.body).toBe(pushes[0]!.raw.body);

    // The operator API needs the operator's key.
    expect((await client.operator("GET", `/notifications/${deliveryId}`, null)).status).toBe(401);
    expect((await client.operator("GET", `/notifications/${deliveryId}`, "x".repeat(20))).status).toBe(401);

    // The retried push is as good as the first: the merchant confirms with it.
    expect(await client.update(transactionId, pushes[1]!.signature_key)).toMatchObject({
      status: "settlement",
    });
  });

  it("a receiver that is down: dead letter, then it comes up, the operator replays, the push is delivered", async () => {
    receiver = await new Receiver().reserveClosedPort();
    live = await startLiveService({ CONFIRM_TIMEOUT_SECONDS: "30" });
    const { client } = live;
    const { transactionId } = await client.init(initRequest(order("dead"), receiver.url));
    await approveAsSandboxBuyer(live.service.checkout!, transactionId);
    const deliveryId = await eventId(live, transactionId, "Pending");

    // Three attempts (NOTIFY_MAX_ATTEMPTS), each refused: a dead letter.
    const dead = await client.untilDelivery(deliveryId, "dead");
    expect(dead.attempts).toHaveLength(3);
    for (const attempt of dead.attempts) {
      expect(attempt).toMatchObject({ round: 0, httpStatus: null, outcome: "failed" });
      expect(attempt.error).toMatch(/ECONNREFUSED/);
    }
    const letters = await client.operator("GET", "/notifications/dead-letters");
    expect(letters.status).toBe(200);
    expect((letters.json.data as { deliveryId: string }[]).map((d) => d.deliveryId)).toContain(deliveryId);
    // The transaction is not held up by the push: it is pending, waiting for the merchant.
    expect(await client.trxStatus(transactionId)).toBe("pending");

    // The receiver comes back on the same port; the operator replays.
    await receiver.listen(receiver.port);
    const replay = await client.operator("POST", `/notifications/dead-letters/${deliveryId}/replay`);
    expect(replay.status).toBe(202);
    expect(replay.json).toMatchObject({ deliveryId, status: "pending", attemptCount: 0, replays: 1 });

    const delivered = await client.untilDelivery(deliveryId, "delivered");
    expect(delivered.replays).toBe(1);
    expect(delivered.attempts.map((a) => [a.round, a.attempt, a.outcome])).toEqual([
      [0, 1, "failed"],
      [0, 2, "failed"],
      [0, 3, "failed"],
      [1, 1, "delivered"],
    ]);
    const [push] = pushesOf(receiver, transactionId);
    expect(pushesOf(receiver, transactionId)).toHaveLength(1);
    expect(push!.webhookId).toBe(deliveryId);
    const after = await client.operator("GET", "/notifications/dead-letters");
    expect((after.json.data as { deliveryId: string }[]).map((d) => d.deliveryId)).not.toContain(deliveryId);
    // A delivered push is not a dead letter any more: replaying it again is a conflict.
    expect((await client.operator("POST", `/notifications/dead-letters/${deliveryId}/replay`)).status).toBe(
      409,
    );

    // The merchant, having finally heard, confirms.
    expect(await client.update(transactionId, push!.signature_key)).toMatchObject({ status: "settlement" });
    await creditLineBecomes(live, { held: 0, used: SEED_AMOUNT });
  });

  it("no confirmation within CONFIRM_TIMEOUT_SECONDS: failed, hold released, failed push; a late update is 1002 and appends nothing", async () => {
    receiver = await new Receiver().listen();
    live = await startLiveService({ CONFIRM_TIMEOUT_SECONDS: "1" });
    const { client } = live;
    const orderId = order("timeout");
    const { transactionId, checkoutUrl } = await client.init(initRequest(orderId, receiver.url));
    expect((await approveInBrowser(checkoutUrl, 1)).status).toBe(303);
    // The approval answered after the read models caught up: the amount is held.
    expect(await live.creditLine()).toEqual({ total: SANDBOX_LIMIT, held: SEED_AMOUNT, used: 0 });
    const pending = await waitForPush(receiver, transactionId, "pending");

    // The merchant never confirms. Once the second is up the durable timer fails the transaction.
    const failed = await waitForPush(receiver, transactionId, "failed");
    expect(failed).toMatchObject({
      trx_status: "failed",
      order_id: orderId,
      amount: "6505000.0",
      message: "transaction failed: the merchant did not confirm in time",
      signature_key: pending.signature_key,
    });
    expect(merchantVerifies(failed)).toBe(true);
    expect(failed.webhookId).toBe(await eventId(live, transactionId, "Failed"));
    expect(await client.trxStatus(transactionId)).toBe("failed");
    await creditLineBecomes(live, { held: 0, used: 0 });
    expect(await live.streamTypes(`creditline-${SANDBOX_BUYER.userId}`)).toEqual([
      "CreditLimitSet",
      "CreditHeld",
      "CreditHoldReleased",
    ]);
    const events = await live.service.store.readStream(`checkout-${transactionId}`);
    expect(events.at(-1)).toMatchObject({ type: "Failed", data: { reason: "confirmation_timeout" } });
    const confirmBy = (events.find((e) => e.type === "Pending")!.data as { confirmBy: string }).confirmBy;
    expect(Date.parse(events.at(-1)!.occurredAt)).toBeGreaterThanOrEqual(Date.parse(confirmBy));

    // The merchant's late confirmation: refused with a clear message, and the log does not move.
    const head = await live.quietHead();
    const late = await client.update(transactionId, pending.signature_key);
    expect(late).toEqual({
      status: 1002,
      message: BAD_REQUEST,
      error: {
        message:
          "transaction_already_failed: the transaction has already failed (not confirmed in time or reported failed); start a new checkout",
      },
    });
    expect(await live.service.store.headPosition()).toBe(head);
    expect(await client.trxStatus(transactionId)).toBe("failed");
    await live.service.notifier!.idle();
    expect(pushesOf(receiver, transactionId).map((p) => p.trx_status)).toEqual(["pending", "failed"]);
  });

  it("an order above the buyer's limit is denied on the hosted page, with a denied push and nothing held", async () => {
    receiver = await new Receiver().listen();
    live = await startLiveService({ CONFIRM_TIMEOUT_SECONDS: "30" });
    const { client } = live;
    const amount = 150_000_000;
    const orderId = order("denied");
    const { transactionId, checkoutUrl } = await client.init(
      initRequest(orderId, receiver.url, singleItem(amount)),
    );
    expect(amount).toBeGreaterThan(SANDBOX_LIMIT);

    // The summary offers no tenure (each is disabled); a tenure posted anyway is asked of the credit line.
    const answer = await approveInBrowser(checkoutUrl, 1);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain("Purchase not approved");
    expect(answer.body).toContain("Your available limit does not cover this order");

    const denied = await waitForPush(receiver, transactionId, "denied");
    expect(denied).toMatchObject({
      trx_status: "denied",
      order_id: orderId,
      amount: "150000000.0",
      transaction_id: transactionId,
    });
    expect(denied.message).toBe("transaction denied: credit limit must cover amount");
    const events = await live.service.store.readStream(`checkout-${transactionId}`);
    expect(events.at(-1)).toMatchObject({
      type: "Denied",
      data: { reason: "credit_limit_must_cover_amount", userId: SANDBOX_BUYER.userId },
    });
    expect(denied.webhookId).toBe(events.at(-1)!.eventId);
    expect(merchantVerifies(denied)).toBe(true);
    expect(await client.trxStatus(transactionId)).toBe("denied");

    // Nothing was ever held: the credit line's stream has only its limit.
    expect(await live.streamTypes(`creditline-${SANDBOX_BUYER.userId}`)).toEqual(["CreditLimitSet"]);
    await creditLineBecomes(live, { held: 0, used: 0 });

    // A denied transaction cannot be confirmed.
    const head = await live.quietHead();
    const update = await client.update(transactionId, denied.signature_key);
    expect(update).toMatchObject({ status: 1002, message: BAD_REQUEST });
    expect(await live.service.store.headPosition()).toBe(head);
    await live.service.notifier!.idle();
    expect(pushesOf(receiver, transactionId).map((p) => p.trx_status)).toEqual(["denied"]);
  });
});
