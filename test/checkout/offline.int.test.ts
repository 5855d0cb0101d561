import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PATH_PARAM_MAX_CHARS } from "../../contracts/bounds.ts";
import { FIELD_MAX_CHARS } from "../../contracts/checkout/common.ts";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { Receiver } from "../notifier/harness.ts";
import { initRequest, SANDBOX_SERVER_KEY } from "../support/checkout-requests.ts";
import { eventually, sleep } from "../support/eventually.ts";
import { approveInBrowser } from "../support/http-browser.ts";
import { kredivo } from "../support/kredivo-http.ts";
import { type LiveService, OPERATOR_KEY, startLiveService } from "./lifecycle-support.ts";
import {
  abortRequest,
  DEALER,
  fetchQr,
  initOffline,
  OFFLINE_AMOUNT,
  offlineRequest,
} from "./offline-support.ts";

// Offline (QR) checkouts over real HTTP against the composed runtime (every role in one process): init at a
// dealer, the QR code's PNG scanned back, the buyer's approval through the hosted page it encodes, the
// merchant's abort, the expiry timer, and both racing the merchant's confirmation. One service for the file;
// every test has its own order ids, and reads the buyer's credit line by its own transaction's events.

const BAD_REQUEST = "Bad request, please check your request.";

let live: LiveService;
let receiver: Receiver;
beforeAll(async () => {
  receiver = await new Receiver().listen();
  live = await startLiveService({ CONFIRM_TIMEOUT_SECONDS: "30" });
});
afterAll(async () => {
  await live?.close();
  await receiver?.close();
});

const order = (label: string) => `OFF-${label}-${randomUUID().slice(0, 8)}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);
const post = (path: string, body: unknown) => kredivo(live.url, path, body);

interface PushBody {
  readonly transaction_id: string;
  readonly trx_status: string;
  readonly signature_key: string;
  readonly [field: string]: unknown;
}
const pushes = (transactionId: string): PushBody[] =>
  receiver.received
    .map((r) => JSON.parse(r.body) as PushBody)
    .filter((p) => p.transaction_id === transactionId);
const pushOf = (transactionId: string, trxStatus: string) =>
  eventually(`a ${trxStatus} push of ${transactionId}`, () =>
    pushes(transactionId).find((p) => p.trx_status === trxStatus),
  );

/** The buyer's hold events for one transaction, from the credit line's stream. */
async function holdEvents(transactionId: string): Promise<string[]> {
  const events = await live.service.store.readStream(`creditline-${SANDBOX_BUYER.userId}`);
  return events
    .filter((e) => (e.data as { transactionId?: unknown }).transactionId === transactionId)
    .map((e) => e.type);
}
const holdBecomes = (transactionId: string, expected: string[]) =>
  eventually(`holds of ${transactionId}: ${expected.join(", ")}`, async () => {
    const types = await holdEvents(transactionId);
    return JSON.stringify(types) === JSON.stringify(expected) ? types : undefined;
  });

/** An offline checkout initiated and approved by the sandbox buyer through the page its QR encodes. */
async function pendingOffline(label: string, overrides: Record<string, unknown> = {}) {
  const orderId = order(label);
  const { transactionId, qrLink } = await initOffline(
    live.url,
    offlineRequest(orderId, receiver.url, overrides),
  );
  const { encoded } = await fetchQr(qrLink);
  expect((await approveInBrowser(encoded, 1)).status).toBe(303);
  const push = await pushOf(transactionId, "pending");
  return { orderId, transactionId, push };
}

async function expectRefused(path: string, body: unknown, code: number, detail?: RegExp | string) {
  const before = await live.quietHead();
  const { httpStatus, json } = await post(path, body);
  expect(httpStatus).toBe(200);
  expect(json.status).toBe(code);
  if (detail !== undefined) {
    expect((json.error as { message: string }).message).toMatch(detail);
  }
  expect(await live.quietHead()).toBe(before);
  return json;
}

describe("checkout/init with source offline", () => {
  it("answers qr_link and no checkout_url; the PNG is a real QR code of the hosted page's URL", async () => {
    const orderId = order("qr");
    const expiry = nowSeconds() + 3600;
    const { transactionId, qrLink, json } = await initOffline(
      live.url,
      offlineRequest(orderId, receiver.url, { expiry_time: expiry }),
    );
    expect(Object.keys(json)).toEqual(["status", "message", "transaction_id", "qr_link"]);
    expect(json).toMatchObject({ status: 1, message: "Success" });
    expect(qrLink).toBe(`${live.url}/kredivo/qr/${transactionId}.png`);
    const { contentType, encoded } = await fetchQr(qrLink);
    expect(contentType).toBe("image/png");
    expect(encoded).toBe(`${live.url}/kredivo/signIn?tk=${transactionId}`);

    const [initiated] = await live.service.store.readStream(`checkout-${transactionId}`);
    expect(initiated).toMatchObject({ type: "Initiated", schemaVersion: 2 });
    expect(initiated!.data).toMatchObject({
      source: "offline",
      dealerCode: DEALER,
      metadata: { till: "T-4", user_agent: "pos/1.0" },
      amountMinor: String(OFFLINE_AMOUNT),
      expiresAt: new Date(expiry * 1000).toISOString(),
    });
    expect(
      (await post("/transaction/status", { server_key: SANDBOX_SERVER_KEY, transaction_id: transactionId }))
        .json,
    ).toMatchObject({ trx_status: "pending", checkout_amount: OFFLINE_AMOUNT });
  });

  it("expires 24 hours after init when expiry_time is left out; the same init again is the same transaction", async () => {
    const orderId = order("default-expiry");
    const body = offlineRequest(orderId, receiver.url, { expiry_time: undefined });
    const before = Date.now();
    const first = await initOffline(live.url, body);
    const [initiated] = await live.service.store.readStream(`checkout-${first.transactionId}`);
    const { initiatedAt, expiresAt } = initiated!.data as { initiatedAt: string; expiresAt: string };
    expect(Date.parse(expiresAt) - Date.parse(initiatedAt)).toBe(24 * 3600 * 1000);
    expect(Date.parse(initiatedAt)).toBeGreaterThanOrEqual(before - 1);
    expect((await initOffline(live.url, body)).transactionId).toBe(first.transactionId);
    await expectRefused(
      "/checkout/init",
      {
        ...body,
        amount: OFFLINE_AMOUNT + 100_000,
        items: [
          ...(body.items as unknown[]),
          { id: "x", name: "x", price: 100000, type: "t", url: "https://m.example/x", quantity: 1 },
        ],
      },
      1002,
      /^order_id_must_be_unique: /,
    );
  });

  it("refuses, appending nothing: 2012 bad key, 1002 unknown dealer, expiry at or before now, bad amount", async () => {
    const body = (overrides: Record<string, unknown>) =>
      offlineRequest(order("bad"), receiver.url, overrides);
    await expectRefused("/checkout/init", body({ server_key: "not-a-merchant-key-000" }), 2012);
    await expectRefused(
      "/checkout/init",
      body({ dealer_code: "NOPE-1" }),
      1002,
      "dealer_code: NOPE-1 is not a registered dealer of this merchant",
    );
    for (const expiry of [nowSeconds(), nowSeconds() - 60, 0]) {
      await expectRefused(
        "/checkout/init",
        body({ expiry_time: expiry }),
        1002,
        /^expiry_time: must be later than now/,
      );
    }
    await expectRefused("/checkout/init", body({ expiry_time: 253_402_300_800 }), 1002, /^expiry_time: /);
    await expectRefused(
      "/checkout/init",
      body({ amount: OFFLINE_AMOUNT + 1 }),
      1002,
      /^amount_must_equal_items_total: /,
    );
    await expectRefused("/checkout/init", body({ amount: 0 }), 1002, /^amount: /);
    await expectRefused("/checkout/init", body({ dealer_code: undefined }), 1002, "dealer_code: required");
    await expectRefused("/checkout/init", body({ metadata: [1] }), 1002, /^metadata: /);
    await expectRefused(
      "/checkout/init",
      body({ metadata: { note: "x".repeat(FIELD_MAX_CHARS.metadata) } }),
      1002,
      `metadata: too_large:max_${FIELD_MAX_CHARS.metadata}_characters_as_json`,
    );
  });
});

describe("the offline checkout's pushes", () => {
  it("the pending push echoes metadata and names the downpayment the buyer pays at the till", async () => {
    const { push } = await pendingOffline("push");
    expect(push).toMatchObject({
      amount: "1400000.0",
      disbursed_amount: "1400000.0",
      total_downpayment: "200000.0",
      metadata: { till: "T-4", user_agent: "pos/1.0" },
      message: "pending merchant’s confirmation",
    });
  });
  it("metadata left out is echoed as {}", async () => {
    const { push } = await pendingOffline("no-metadata", { metadata: undefined });
    expect(push.metadata).toEqual({});
  });
});

describe("checkout/<transaction_id>/abort", () => {
  it("aborts a pending offline checkout: {transaction_id} only, the hold released, trx_status cancel", async () => {
    const { orderId, transactionId } = await pendingOffline("abort-pending");
    await holdBecomes(transactionId, ["CreditHeld"]);
    const { httpStatus, json } = await post(`/checkout/${transactionId}/abort`, abortRequest(orderId));
    expect(httpStatus).toBe(200);
    expect(json).toEqual({ transaction_id: transactionId });
    await holdBecomes(transactionId, ["CreditHeld", "CreditHoldReleased"]);
    expect(await live.client.trxStatus(transactionId)).toBe("cancel");
    // Again: the same answer, nothing recorded.
    const before = await live.quietHead();
    expect((await post(`/checkout/${transactionId}/abort`, abortRequest(orderId))).json).toEqual({
      transaction_id: transactionId,
    });
    expect(await live.quietHead()).toBe(before);
    // The merchant's confirmation comes after the abort.
    const push = pushes(transactionId).find((p) => p.trx_status === "pending")!;
    expect((await live.client.update(transactionId, push.signature_key)).status).toBe(1002);
  });

  it("an over-long or badly encoded transaction id answers the seed's envelope: 1002, HTTP 200, nothing recorded", async () => {
    const orderId = order("abort-long-id");
    const { transactionId } = await initOffline(live.url, offlineRequest(orderId, receiver.url));
    const stream = () => live.service.store.readStream(`checkout-${transactionId}`);
    const before = (await stream()).length;
    const longId = `${transactionId}${"x".repeat(PATH_PARAM_MAX_CHARS + 100 - transactionId.length)}`;
    const long = await post(`/checkout/${longId}/abort`, abortRequest(orderId));
    expect(long.httpStatus).toBe(200);
    expect(long.json).toEqual({
      status: 1002,
      message: BAD_REQUEST,
      error: { message: `path: a path parameter is over ${PATH_PARAM_MAX_CHARS} characters` },
    });
    const badEncoding = await post("/checkout/%E0%A4%A/abort", abortRequest(orderId));
    expect(badEncoding.httpStatus).toBe(200);
    expect(badEncoding.json).toEqual({
      status: 1002,
      message: BAD_REQUEST,
      error: { message: "path: a path parameter is not valid percent-encoding" },
    });
    expect((await stream()).length).toBe(before);
  });
  it("aborts an offline checkout the buyer has not opened yet", async () => {
    const orderId = order("abort-initiated");
    const { transactionId } = await initOffline(live.url, offlineRequest(orderId, receiver.url));
    expect((await post(`/checkout/${transactionId}/abort`, abortRequest(orderId))).json).toEqual({
      transaction_id: transactionId,
    });
    expect(await live.streamTypes(`checkout-${transactionId}`)).toEqual(["Initiated", "Aborted"]);
  });

  it("2001 for an ecom transaction, another dealer, order or transaction; 2012 for a bad key", async () => {
    const orderId = order("abort-2001");
    const { transactionId } = await initOffline(live.url, offlineRequest(orderId, receiver.url));
    const ecom = order("abort-ecom");
    const { transactionId: ecomId } = await live.client.init(initRequest(ecom, receiver.url));
    const abort = (id: string, body: Record<string, unknown>) =>
      expectRefused(`/checkout/${id}/abort`, body, 2001);
    await abort(ecomId, abortRequest(ecom));
    await abort(transactionId, abortRequest(orderId, { dealer_code: "STORE123123" }));
    await abort(transactionId, abortRequest(orderId, { dealer_code: "NOPE-1" }));
    await abort(transactionId, abortRequest(`${orderId}-other`));
    await abort(randomUUID(), abortRequest(orderId));
    await abort("not-a-transaction-id", abortRequest(orderId));
    await expectRefused(
      `/checkout/${transactionId}/abort`,
      abortRequest(orderId, { server_key: "not-a-merchant-key-000" }),
      2012,
    );
    await expectRefused(
      `/checkout/${transactionId}/abort`,
      abortRequest(orderId, { order_id: 7 }),
      1002,
      /^order_id: /,
    );
    expect(await live.streamTypes(`checkout-${transactionId}`)).toEqual(["Initiated"]);
  });

  it("2046 once settled or cancelled, and once denied", async () => {
    const settled = await pendingOffline("abort-settled");
    expect((await live.client.update(settled.transactionId, settled.push.signature_key)).status).toBe(
      "settlement",
    );
    await expectRefused(
      `/checkout/${settled.transactionId}/abort`,
      abortRequest(settled.orderId),
      2046,
      undefined,
    );
    await live.client.kredivo("/transaction/cancel", {
      transaction_id: settled.transactionId,
      server_key: SANDBOX_SERVER_KEY,
      reason: "Out of stock",
      cancelled_by: "till",
      order_id: settled.orderId,
    });
    expect(await live.client.trxStatus(settled.transactionId)).toBe("cancel");
    await expectRefused(`/checkout/${settled.transactionId}/abort`, abortRequest(settled.orderId), 2046);

    // Over the buyer's limit: the approval is denied.
    const orderId = order("abort-denied");
    const big = 200_000_000;
    const items = [
      { id: "tv", name: "TV", price: big, type: "TV", url: "https://m.example/tv", quantity: 1 },
    ];
    const { transactionId, qrLink } = await initOffline(
      live.url,
      offlineRequest(orderId, receiver.url, { amount: big, items }),
    );
    expect((await approveInBrowser((await fetchQr(qrLink)).encoded, 1)).status).toBe(200);
    expect(await live.client.trxStatus(transactionId)).toBe("denied");
    await expectRefused(`/checkout/${transactionId}/abort`, abortRequest(orderId), 2046);
  });
});

describe("expiry", () => {
  it("a pending offline checkout expires at expiry_time: the hold released, pushed as expired, abort 2043, confirmation 1002", async () => {
    const { orderId, transactionId, push } = await pendingOffline("expire", {
      expiry_time: nowSeconds() + 3,
    });
    await holdBecomes(transactionId, ["CreditHeld"]);
    const expired = await pushOf(transactionId, "expired");
    expect(expired).toMatchObject({
      message: "transaction expired: not completed before its expiry time",
      metadata: { till: "T-4", user_agent: "pos/1.0" },
      signature_key: push.signature_key,
    });
    await holdBecomes(transactionId, ["CreditHeld", "CreditHoldReleased"]);
    expect(await live.client.trxStatus(transactionId)).toBe("expired");
    await expectRefused(`/checkout/${transactionId}/abort`, abortRequest(orderId), 2043);
    await expectRefused(
      "/checkout/update",
      { signature_key: push.signature_key, transaction_id: transactionId, status: "settled" },
      1002,
      /^transaction_must_be_pending: /,
    );
  });

  it("an offline checkout nobody opened expires too", async () => {
    const orderId = order("expire-unopened");
    const { transactionId } = await initOffline(
      live.url,
      offlineRequest(orderId, receiver.url, { expiry_time: nowSeconds() + 1 }),
    );
    await eventually("expired", async () =>
      (await live.client.trxStatus(transactionId)) === "expired" ? true : undefined,
    );
    expect(await live.streamTypes(`checkout-${transactionId}`)).toEqual(["Initiated", "Expired"]);
  });
});

describe("races with the merchant's confirmation", () => {
  it("abort and confirmation sent together: exactly one wins, and the hold follows the winner", async () => {
    for (let i = 0; i < 4; i++) {
      const { orderId, transactionId, push } = await pendingOffline(`race-abort-${i}`);
      const [aborted, confirmed] = await Promise.all([
        post(`/checkout/${transactionId}/abort`, abortRequest(orderId)),
        post("/checkout/update", {
          signature_key: push.signature_key,
          transaction_id: transactionId,
          status: "settled",
        }),
      ]);
      const abortWon = "transaction_id" in aborted.json;
      const settleWon = confirmed.json.status === "settlement";
      expect(abortWon !== settleWon).toBe(true);
      if (abortWon) {
        expect(confirmed.json).toMatchObject({ status: 1002 });
        await holdBecomes(transactionId, ["CreditHeld", "CreditHoldReleased"]);
        expect(await live.client.trxStatus(transactionId)).toBe("cancel");
      } else {
        expect(aborted.json).toMatchObject({ status: 2046 });
        await holdBecomes(transactionId, ["CreditHeld", "CreditHoldCaptured", "LoanOpened"]);
        expect(await live.client.trxStatus(transactionId)).toBe("settlement");
      }
    }
  });

  it("confirmation at the expiry instant: either settled or expired, never both, and the hold follows", async () => {
    for (let i = 0; i < 3; i++) {
      const expiry = nowSeconds() + 3;
      const { transactionId, push } = await pendingOffline(`race-expiry-${i}`, { expiry_time: expiry });
      await sleep(expiry * 1000 - Date.now() - 5 + i * 5);
      const confirmed = await post("/checkout/update", {
        signature_key: push.signature_key,
        transaction_id: transactionId,
        status: "settled",
      });
      await live.quietHead();
      const types = await live.streamTypes(`checkout-${transactionId}`);
      if (confirmed.json.status === "settlement") {
        expect(types.at(-1)).toBe("Settled");
        expect(types).not.toContain("Expired");
        await holdBecomes(transactionId, ["CreditHeld", "CreditHoldCaptured", "LoanOpened"]);
      } else {
        expect(confirmed.json.status).toBe(1002);
        expect((confirmed.json.error as { message: string }).message).toMatch(
          /^(expiry_must_not_have_passed|transaction_must_be_pending): /,
        );
        await eventually("expired", async () =>
          (await live.streamTypes(`checkout-${transactionId}`)).at(-1) === "Expired" ? true : undefined,
        );
        expect(await live.streamTypes(`checkout-${transactionId}`)).not.toContain("Settled");
        await holdBecomes(transactionId, ["CreditHeld", "CreditHoldReleased"]);
      }
    }
  });
});

describe("dealers: POST /v1/merchants/{merchantId}/dealers", () => {
  const register = (merchantId: string, body: unknown, key: string | null = OPERATOR_KEY) =>
    fetch(`${live.url}/v1/merchants/${merchantId}/dealers`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(key === null ? {} : { authorization: `Bearer ${key}` }),
      },
      body: JSON.stringify(body),
    }).then(async (res) => ({ status: res.status, json: (await res.json()) as Record<string, unknown> }));

  it("registers a dealer (201, then 200), after which offline checkouts may name it", async () => {
    const dealerCode = `D-${randomUUID().slice(0, 8)}`;
    const body = offlineRequest(order("new-dealer"), receiver.url, { dealer_code: dealerCode });
    await expectRefused("/checkout/init", body, 1002, /^dealer_code: /);
    const first = await register("sandbox-merchant", { dealerCode });
    expect(first).toMatchObject({ status: 201, json: { merchantId: "sandbox-merchant", dealerCode } });
    const again = await register("sandbox-merchant", { dealerCode });
    expect(again).toEqual({ status: 200, json: first.json });
    await initOffline(live.url, body);
  });

  it("refuses as problems: no key 401, unknown merchant 404, a bad code 400", async () => {
    expect(await register("sandbox-merchant", { dealerCode: "X1" }, null)).toMatchObject({
      status: 401,
      json: { code: "api_key_missing" },
    });
    expect(await register("no-such-merchant", { dealerCode: "X1" })).toMatchObject({
      status: 404,
      json: { code: "merchant_not_found", param: "merchantId" },
    });
    expect(await register("sandbox-merchant", { dealerCode: "has space" })).toMatchObject({
      status: 400,
      json: { code: "invalid_parameter", param: "dealerCode" },
    });
  });
});

describe("paths under /kredivo that name no endpoint", () => {
  it.each([
    ["POST", "/kredivo/checkout/nope"],
    ["GET", "/kredivo/checkout/init"],
    ["POST", "/kredivo"],
    ["DELETE", "/kredivo/transaction/status"],
  ])("%s %s answers the seed's envelope with 1002 and HTTP 404", async (method, path) => {
    const res = await fetch(`${live.url}${path}`, {
      method,
      ...(method === "POST" ? { body: "{}", headers: { "content-type": "application/json" } } : {}),
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      status: 1002,
      message: BAD_REQUEST,
      error: { message: `path: no endpoint ${method} ${path}` },
    });
  });
  it("an ecom checkout has no QR image", async () => {
    const { transactionId } = await live.client.init(initRequest(order("no-qr"), receiver.url));
    expect((await fetch(`${live.url}/kredivo/qr/${transactionId}.png`)).status).toBe(404);
  });
});
