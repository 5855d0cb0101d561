import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { OK, Receiver } from "../notifier/harness.ts";
import { initRequest, SEED_AMOUNT } from "../support/checkout-requests.ts";
import { eventually, sleep } from "../support/eventually.ts";
import { approveInBrowser } from "../support/http-browser.ts";
import { killHard, type ServiceProcess, startServiceProcess } from "../support/service-process.ts";
import {
  FAST_ENV,
  fileCreditLine,
  fileStream,
  pushesOf,
  readLedgerFile,
  SANDBOX_LIMIT,
  ServiceClient,
  waitForPush,
} from "./lifecycle-support.ts";
import { fetchQr, initOffline, offlineRequest } from "./offline-support.ts";

// The 2-click lifecycle across kill -9: the service runs as its own process (services/main.ts, as
// `npm start` runs it), is killed with SIGKILL at the worst moments and started again on the same
// DATA_DIR. What was acknowledged is in the log; what was owed (a confirmation, a push, a timer) is done
// by the next process. The test reads the SQLite file itself through short read-only connections.

let dir: string | undefined;
let receiver: Receiver | undefined;
const processes: ServiceProcess[] = [];

afterEach(async () => {
  for (const p of processes.splice(0)) await killHard(p);
  await receiver?.close();
  receiver = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function start(
  env: Record<string, string>,
): Promise<{ process: ServiceProcess; client: ServiceClient }> {
  dir ??= mkdtempSync(join(tmpdir(), "ledger-restart-"));
  const service = await startServiceProcess({ ...FAST_ENV, DATA_DIR: dir, ...env });
  processes.push(service);
  return { process: service, client: new ServiceClient(service.url) };
}

const order = (label: string) => `RS-${label}-${randomUUID().slice(0, 8)}`;

const checkoutTypes = (transactionId: string) =>
  fileStream(dir!, `checkout-${transactionId}`).map((e) => e.type);
const creditLineTypes = () => fileStream(dir!, `creditline-${SANDBOX_BUYER.userId}`).map((e) => e.type);

function pendingEventId(transactionId: string): string {
  const pending = fileStream(dir!, `checkout-${transactionId}`).find((e) => e.type === "Pending");
  if (!pending) throw new Error(`no Pending event for ${transactionId}`);
  return pending.eventId;
}

/** Rows of the notifier's deliveries table for one transaction, from the file. */
function deliveryRows(transactionId: string) {
  return readLedgerFile(dir!, (db) =>
    db
      .prepare(
        "SELECT delivery_id, event_type, status, attempts FROM notifier_deliveries WHERE stream_id = ?",
      )
      .all(`checkout-${transactionId}`)
      .map((r) => ({
        deliveryId: String(r.delivery_id),
        eventType: String(r.event_type),
        status: String(r.status),
        attempts: Number(r.attempts),
      })),
  );
}

async function creditLineBecomes(expected: { held: number; used: number }): Promise<void> {
  await eventually(`credit line ${JSON.stringify(expected)}`, () => {
    const line = fileCreditLine(dir!);
    return line.held === expected.held && line.used === expected.used ? line : undefined;
  });
  expect(fileCreditLine(dir!)).toEqual({ total: SANDBOX_LIMIT, ...expected });
}

describe("the 2-click lifecycle across kill -9", () => {
  it("(a) killed between Pending and the merchant's confirmation: the next process confirms and settles", async () => {
    receiver = await new Receiver().listen();
    const first = await start({ CONFIRM_TIMEOUT_SECONDS: "30" });
    const orderId = order("a");
    const { transactionId, checkoutUrl } = await first.client.init(initRequest(orderId, receiver.url));
    expect((await approveInBrowser(checkoutUrl, 1)).status).toBe(303);
    const push = await waitForPush(receiver, transactionId, "pending");
    // The merchant has the push, and the first process has recorded it as delivered.
    await first.client.untilDelivery(push.webhookId, "delivered");

    await killHard(first.process);
    expect(checkoutTypes(transactionId)).toEqual(["Initiated", "BuyerSignedIn", "OtpVerified", "Pending"]);
    expect(creditLineTypes()).toEqual(["CreditLimitSet", "CreditHeld"]);

    const second = await start({ CONFIRM_TIMEOUT_SECONDS: "30" });
    expect(second.process.url).not.toBe(first.process.url);
    expect(await second.client.trxStatus(transactionId)).toBe("pending");
    expect(await second.client.update(transactionId, push.signature_key)).toMatchObject({
      status: "settlement",
      order_id: orderId,
      amount: "6505000.0",
    });
    expect(await second.client.trxStatus(transactionId)).toBe("settlement");
    await creditLineBecomes({ held: 0, used: SEED_AMOUNT });
    expect(creditLineTypes()).toEqual(["CreditLimitSet", "CreditHeld", "CreditHoldCaptured", "LoanOpened"]);

    // The restart sent nothing again: one push, one delivery, one attempt.
    await second.client.caughtUp();
    expect(pushesOf(receiver, transactionId)).toHaveLength(1);
    expect(await second.client.delivery(push.webhookId)).toMatchObject({
      status: "delivered",
      attemptCount: 1,
    });
  });

  it("(b1) killed while the push is in flight to a slow receiver: the next process delivers it, same webhook-id", async () => {
    // The first request hangs (the receiver is slow); the first process dies while waiting for it.
    receiver = await new Receiver().replies({ status: 200, hang: true }, OK).listen();
    const env = { CONFIRM_TIMEOUT_SECONDS: "30", NOTIFY_TIMEOUT_MS: "30000" };
    const first = await start(env);
    const { transactionId, checkoutUrl } = await first.client.init(initRequest(order("b1"), receiver.url));
    expect((await approveInBrowser(checkoutUrl, 1)).status).toBe(303);
    await eventually("the push in flight", () => (receiver!.received.length > 0 ? true : undefined));

    await killHard(first.process);
    const deliveryId = pendingEventId(transactionId);
    // Recorded as owed, its attempt never finished: pending, no attempt on record.
    expect(deliveryRows(transactionId)).toEqual([
      { deliveryId, eventType: "Pending", status: "pending", attempts: 0 },
    ]);

    const second = await start(env);
    const delivered = await second.client.untilDelivery(deliveryId, "delivered");
    expect(delivered.attempts).toEqual([
      { round: 0, attempt: 1, httpStatus: 200, error: null, outcome: "delivered" },
    ]);
    // Sent twice (at least once), both times with the same webhook-id and the same bytes.
    const pushes = pushesOf(receiver, transactionId);
    expect(pushes.map((p) => p.webhookId)).toEqual([deliveryId, deliveryId]);
    expect(pushes[1]!.raw.body).toBe(pushes[0]!.raw.body);
    expect(deliveryRows(transactionId)).toHaveLength(1);

    // The merchant confirms with the push the second process delivered.
    expect(await second.client.update(transactionId, pushes[1]!.signature_key)).toMatchObject({
      status: "settlement",
    });
  });

  it("(b2) killed while the receiver is down: it comes up, the next process delivers the push on schedule", async () => {
    receiver = await new Receiver().reserveClosedPort();
    // Retries drawn from 0–2 s: the first process has time to fail at least once before it is killed.
    const env = {
      CONFIRM_TIMEOUT_SECONDS: "30",
      NOTIFY_FIRST_RETRY_MS: "2000",
      NOTIFY_MAX_RETRY_MS: "2000",
      NOTIFY_MAX_ATTEMPTS: "50",
    };
    const first = await start(env);
    const { transactionId } = await first.client.init(initRequest(order("b2"), receiver.url));
    const checkoutUrl = `${first.process.url}/kredivo/signIn?tk=${transactionId}`;
    expect((await approveInBrowser(checkoutUrl, 1)).status).toBe(303);
    const deliveryId = await eventually("the Pending event", () => {
      const event = fileStream(dir!, `checkout-${transactionId}`).find((e) => e.type === "Pending");
      return event?.eventId;
    });
    const failedBefore = await eventually("a failed attempt", async () => {
      const d = await first.client.delivery(deliveryId).catch(() => undefined);
      return d && d.attemptCount >= 1 ? d.attemptCount : undefined;
    });

    await killHard(first.process);
    await receiver.listen(receiver.port);
    const second = await start(env);
    const delivered = await second.client.untilDelivery(deliveryId, "delivered");
    const attempts = delivered.attempts;
    expect(attempts.length).toBeGreaterThanOrEqual(failedBefore + 1);
    expect(attempts.at(-1)).toMatchObject({ round: 0, httpStatus: 200, outcome: "delivered" });
    for (const failed of attempts.slice(0, -1)) {
      expect(failed).toMatchObject({ round: 0, httpStatus: null, outcome: "failed" });
      expect(failed.error).toMatch(/ECONNREFUSED/);
    }
    expect(pushesOf(receiver, transactionId).map((p) => p.webhookId)).toEqual([deliveryId]);
    expect(deliveryRows(transactionId)).toEqual([
      { deliveryId, eventType: "Pending", status: "delivered", attempts: attempts.length },
    ]);
  });

  it("(c) killed while pending and kept down past the deadline: the restarted timer fails it and releases the hold", async () => {
    receiver = await new Receiver().listen();
    const env = { CONFIRM_TIMEOUT_SECONDS: "2", TIMER_SWEEP_MS: "100" };
    const first = await start(env);
    const orderId = order("c");
    const { transactionId, checkoutUrl } = await first.client.init(initRequest(orderId, receiver.url));
    // The 303 means Pending (and the hold) are in the log: kill at once, well inside the window.
    expect((await approveInBrowser(checkoutUrl, 1)).status).toBe(303);
    await killHard(first.process);
    const last = fileStream(dir!, `checkout-${transactionId}`).at(-1)!;
    expect(last.type).toBe("Pending");
    const confirmBy = Date.parse((last.data as { confirmBy: string }).confirmBy);
    expect(confirmBy).toBeGreaterThan(Date.now());
    // Down until well past the deadline; nothing can fail it meanwhile.
    await sleep(confirmBy - Date.now() + 1000);
    expect(checkoutTypes(transactionId).at(-1)).toBe("Pending");
    expect(creditLineTypes()).toEqual(["CreditLimitSet", "CreditHeld"]);

    const restartedAt = Date.now();
    const second = await start(env);
    // Both pushes are owed to the merchant (the pending one may have gone out before the kill).
    const pending = await waitForPush(receiver, transactionId, "pending");
    const failed = await waitForPush(receiver, transactionId, "failed");
    expect(failed).toMatchObject({
      order_id: orderId,
      message: "transaction failed: the merchant did not confirm in time",
      signature_key: pending.signature_key,
    });
    const events = fileStream(dir!, `checkout-${transactionId}`);
    expect(events.map((e) => e.type)).toEqual([
      "Initiated",
      "BuyerSignedIn",
      "OtpVerified",
      "Pending",
      "Failed",
    ]);
    expect(events.at(-1)!.data).toEqual({ reason: "confirmation_timeout" });
    expect(failed.webhookId).toBe(events.at(-1)!.eventId);
    expect(await second.client.trxStatus(transactionId)).toBe("failed");
    await creditLineBecomes({ held: 0, used: 0 });
    expect(creditLineTypes()).toEqual(["CreditLimitSet", "CreditHeld", "CreditHoldReleased"]);
    const released = fileStream(dir!, `creditline-${SANDBOX_BUYER.userId}`).at(-1)!;
    expect(released.data).toMatchObject({ transactionId, amountMinor: String(SEED_AMOUNT) });
    // The timer fired in the restarted process, past the deadline.
    expect(Date.parse(events.at(-1)!.occurredAt)).toBeGreaterThanOrEqual(restartedAt);
    expect(Date.parse(events.at(-1)!.occurredAt)).toBeGreaterThanOrEqual(confirmBy);

    // The merchant's confirmation comes too late.
    expect(await second.client.update(transactionId, pending.signature_key)).toMatchObject({
      status: 1002,
      error: { message: expect.stringMatching(/^transaction_already_failed: /) },
    });
  });

  it("(d) an offline checkout killed while pending and kept down past its expiry_time: the restarted timer expires it and releases the hold", async () => {
    receiver = await new Receiver().listen();
    const env = { CONFIRM_TIMEOUT_SECONDS: "30", TIMER_SWEEP_MS: "100" };
    const first = await start(env);
    const expirySeconds = Math.floor(Date.now() / 1000) + 4;
    const { transactionId, qrLink } = await initOffline(
      first.process.url,
      offlineRequest(order("d"), receiver.url, { expiry_time: expirySeconds }),
    );
    expect((await approveInBrowser((await fetchQr(qrLink)).encoded, 1)).status).toBe(303);
    await killHard(first.process);
    expect(checkoutTypes(transactionId).at(-1)).toBe("Pending");
    // Down until well past the expiry; nothing can expire it meanwhile.
    await sleep(expirySeconds * 1000 - Date.now() + 1000);
    expect(checkoutTypes(transactionId).at(-1)).toBe("Pending");
    expect(creditLineTypes()).toEqual(["CreditLimitSet", "CreditHeld"]);

    const restartedAt = Date.now();
    const second = await start(env);
    const expiredPush = await eventually("the expired push", () =>
      receiver!.received
        .map((r) => JSON.parse(r.body) as { transaction_id: string; trx_status: string; metadata?: unknown })
        .find((p) => p.transaction_id === transactionId && p.trx_status === "expired"),
    );
    expect(expiredPush.metadata).toEqual({ till: "T-4", user_agent: "pos/1.0" });
    const events = fileStream(dir!, `checkout-${transactionId}`);
    expect(events.map((e) => e.type)).toEqual([
      "Initiated",
      "BuyerSignedIn",
      "OtpVerified",
      "Pending",
      "Expired",
    ]);
    expect(Date.parse(events.at(-1)!.occurredAt)).toBeGreaterThanOrEqual(restartedAt);
    expect(await second.client.trxStatus(transactionId)).toBe("expired");
    await creditLineBecomes({ held: 0, used: 0 });
    expect(creditLineTypes()).toEqual(["CreditLimitSet", "CreditHeld", "CreditHoldReleased"]);
  });
});
