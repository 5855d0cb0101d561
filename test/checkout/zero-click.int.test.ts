import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkoutCodec } from "../../services/ledger/checkout/checkout.events.ts";
import { userTokenCodec } from "../../services/ledger/usertoken/usertoken.events.ts";
import { streamEvents } from "../../services/platform/eventstore/stream-events.ts";
import {
  nextOrder,
  pushSignature,
  SANDBOX_SERVER_KEY,
  SEED_AMOUNT_MINOR,
  sampleInit,
  singleItem,
} from "../support/checkout-requests.ts";
import {
  approveAsSandboxBuyer,
  type CheckoutHarness,
  PUBLIC_BASE_URL,
  startCheckoutHarness,
} from "./harness.ts";

// 0-click through HTTP (seed "Initiate 0-click Checkout", "Get User Credit Details"): tokenize_user → 2007,
// the user_token only once settled, a 0-click checkout that never shows a page, the risk rules' OTP challenge,
// the fallbacks to 2-click, get_credit_details. The sandbox buyer approves the tokenizing checkout.

const BAD_REQUEST = "Bad request, please check your request.";
const OPERATOR_KEY = "operator-key-0123456789";
const FINANCE_KEY = "finance-key-0123456789ab";
let h: CheckoutHarness;

beforeAll(async () => {
  // Thresholds one test can break each: 200,000,000 VND (above the sandbox buyer's 100,000,000 limit, so a
  // short limit is reachable unflagged), 3 checkouts a day.
  h = await startCheckoutHarness({
    env: {
      API_KEYS: `${OPERATOR_KEY}:operator,${FINANCE_KEY}:finance`,
      ZERO_CLICK_MAX_AMOUNT: "200000000",
      ZERO_CLICK_MAX_CHECKOUTS: "3",
      ZERO_CLICK_WINDOW_SECONDS: "86400",
    },
  });
});
afterAll(async () => {
  await h?.close();
});

interface Json {
  [key: string]: unknown;
}
const post = async (path: string, body: unknown) => (await h.post(path, body)).json() as Json;

async function eventsOf(streamId: string) {
  const events = [];
  for await (const e of streamEvents(h.store, streamId)) events.push(e);
  return events;
}
const checkoutTypes = async (transactionId: string) =>
  (await eventsOf(`checkout-${transactionId}`)).map((e) => checkoutCodec.decode(e).type);

/** A tokenizing 2-click checkout approved by the sandbox buyer and settled: its user_token. */
async function tokenize(clientUserKey: string, device = "samsung"): Promise<string> {
  const orderId = nextOrder("TOK");
  const init = await post(
    "/checkout/init",
    sampleInit(orderId, { tokenize_user: true, client_user_key: clientUserKey, device_id: device }),
  );
  expect(init).toMatchObject({ status: 1, code: 2007 });
  const transactionId = String(init.transaction_id);
  await approveAsSandboxBuyer(h.checkout, transactionId);
  const signature = pushSignature({ transactionId, orderId, amountMinor: SEED_AMOUNT_MINOR, tenure: 1 });
  const update = await post("/checkout/update", {
    signature_key: signature,
    transaction_id: transactionId,
    status: "settled",
  });
  expect(update.status).toBe("settlement");
  expect(update.user_token).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
  return String(update.user_token);
}

const zeroClick = (orderId: string, clientUserKey: string, userToken: string, overrides: Json = {}) =>
  sampleInit(orderId, {
    client_user_key: clientUserKey,
    user_token: userToken,
    device_id: "samsung",
    ...overrides,
  });

describe("checkout/init with tokenize_user", () => {
  it("answers the seed's positive response (2007) for a key without a token", async () => {
    const res = await post(
      "/checkout/init",
      sampleInit(nextOrder("T"), { tokenize_user: true, client_user_key: "k-2007" }),
    );
    expect(Object.keys(res)).toEqual(["status", "message", "checkout_url", "transaction_id", "code"]);
    expect(res).toEqual({
      status: 1,
      message: "This transaction is ready for tokenization",
      checkout_url: `${PUBLIC_BASE_URL}/kredivo/signIn?tk=${res.transaction_id}`,
      transaction_id: expect.any(String),
      code: 2007,
    });
  });

  it("accepts the seed's tokenizer_user spelling", async () => {
    const res = await post(
      "/checkout/init",
      sampleInit(nextOrder("T"), { tokenizer_user: true, client_user_key: "k-er" }),
    );
    expect(res).toMatchObject({ status: 1, code: 2007 });
  });

  it("a retry of the same init answers 2007 again", async () => {
    const body = sampleInit(nextOrder("T"), { tokenize_user: true, client_user_key: "k-retry" });
    const first = await post("/checkout/init", body);
    expect(await post("/checkout/init", body)).toEqual(first);
  });

  it("issues the user_token only once settled, and answers it in checkout/update", async () => {
    const orderId = nextOrder("TOK");
    const init = await post(
      "/checkout/init",
      sampleInit(orderId, { tokenize_user: true, client_user_key: "k-settle" }),
    );
    const transactionId = String(init.transaction_id);
    await approveAsSandboxBuyer(h.checkout, transactionId);
    // Pending: nothing issued yet.
    expect(await h.readStore.query("SELECT * FROM user_tokens WHERE client_user_key = 'k-settle'")).toEqual(
      [],
    );
    const signature = pushSignature({ transactionId, orderId, amountMinor: SEED_AMOUNT_MINOR, tenure: 1 });
    const body = { signature_key: signature, transaction_id: transactionId, status: "settled" };
    const update = await post("/checkout/update", body);
    expect(update).toMatchObject({ status: "settlement", user_token: expect.any(String) });
    const token = String(update.user_token);
    const issued = (await eventsOf(`usertoken-${token}`)).map((e) => userTokenCodec.decode(e));
    expect(issued).toEqual([
      expect.objectContaining({
        type: "UserTokenIssued",
        data: expect.objectContaining({
          merchantId: "sandbox-merchant",
          clientUserKey: "k-settle",
          transactionId,
        }),
      }),
    ]);
    // The same confirmation again answers the same token and issues nothing new.
    const head = await h.quietHead();
    expect((await post("/checkout/update", body)).user_token).toBe(token);
    expect(await h.head()).toBe(head);
  });

  it("a failed tokenizing checkout issues no token", async () => {
    const orderId = nextOrder("TOK");
    const init = await post(
      "/checkout/init",
      sampleInit(orderId, { tokenize_user: true, client_user_key: "k-failed" }),
    );
    const transactionId = String(init.transaction_id);
    await approveAsSandboxBuyer(h.checkout, transactionId);
    const signature = pushSignature({ transactionId, orderId, amountMinor: SEED_AMOUNT_MINOR, tenure: 1 });
    const update = await post("/checkout/update", {
      signature_key: signature,
      transaction_id: transactionId,
      status: "failed",
    });
    expect(update).toMatchObject({ status: "failed", user_token: null });
  });

  it("a key that already has an active token gets the neutral response", async () => {
    await tokenize("k-neutral");
    const res = await post(
      "/checkout/init",
      sampleInit(nextOrder("T"), { tokenize_user: true, client_user_key: "k-neutral" }),
    );
    expect(Object.keys(res)).toEqual(["status", "message", "checkout_url", "transaction_id"]);
    expect(res.message).toBe("Success");
  });

  it("refuses tokenize_user without a client_user_key (1002)", async () => {
    const res = await post("/checkout/init", sampleInit(nextOrder("T"), { tokenize_user: true }));
    expect(res).toEqual({
      status: 1002,
      message: BAD_REQUEST,
      error: { message: "client_user_key: required_for_0_click" },
    });
  });
});

describe("checkout/init with a user_token (0-click)", () => {
  let token: string;
  beforeAll(async () => {
    token = await tokenize("k-0click");
  });

  it("approves at once: no URL, no page step, pending as after a 2-click approval", async () => {
    const orderId = nextOrder("Z");
    const res = await post("/checkout/init", zeroClick(orderId, "k-0click", token));
    expect(res).toEqual({ status: 1, message: "Success", transaction_id: expect.any(String) });
    const transactionId = String(res.transaction_id);
    // Never a sign-in, OTP or page step: authenticated by the token and approved in the same append.
    expect(await checkoutTypes(transactionId)).toEqual(["Initiated", "AuthenticatedByToken", "Pending"]);
    expect(await h.trxStatus(transactionId)).toBe("pending");
    // The merchant confirms as after any pending push; checkout/update answers the token it used.
    const signature = pushSignature({ transactionId, orderId, amountMinor: SEED_AMOUNT_MINOR, tenure: 1 });
    const update = await post("/checkout/update", {
      signature_key: signature,
      transaction_id: transactionId,
      status: "settled",
    });
    expect(update).toMatchObject({ status: "settlement", user_token: token });
  });

  it("a retry answers the same and appends nothing", async () => {
    const body = zeroClick(nextOrder("Z"), "k-0click-retry", await tokenize("k-0click-retry"));
    const first = await post("/checkout/init", body);
    const head = await h.quietHead();
    expect(await post("/checkout/init", body)).toEqual(first);
    expect(await h.head()).toBe(head);
  });

  it("denies when the limit is short (the denied push)", async () => {
    const t = await tokenize("k-short");
    // Under the risk threshold, above the sandbox buyer's limit of 100,000,000.
    const res = await post(
      "/checkout/init",
      zeroClick(nextOrder("Z"), "k-short", t, singleItem(150_000_000)),
    );
    expect(res).toEqual({ status: 1, message: "Success", transaction_id: expect.any(String) });
    const transactionId = String(res.transaction_id);
    expect(await checkoutTypes(transactionId)).toEqual(["Initiated", "AuthenticatedByToken", "Denied"]);
    expect(await h.trxStatus(transactionId)).toBe("denied");
  });

  it.each([
    ["amount above the threshold", { ...singleItem(250_000_000) }, "amount_above_threshold"],
    ["a device not seen before", { device_id: "new-phone" }, "device_not_seen"],
  ])("flags %s: a redirect_url to the OTP challenge", async (_name, overrides, flag) => {
    const t = await tokenize(`k-flag-${flag}`);
    const res = await post("/checkout/init", zeroClick(nextOrder("Z"), `k-flag-${flag}`, t, overrides));
    expect(res).toEqual({
      status: 1,
      message: "Success",
      transaction_id: expect.any(String),
      redirect_url: `${PUBLIC_BASE_URL}/kredivo/signIn?tk=${res.transaction_id}`,
    });
    const events = (await eventsOf(`checkout-${res.transaction_id}`)).map((e) => checkoutCodec.decode(e));
    expect(events.map((e) => e.type)).toEqual(["Initiated", "AuthenticatedByToken"]);
    expect(events[1]?.data).toMatchObject({ flaggedBy: [flag] });
  });

  it("flags more than N 0-click checkouts within the window", async () => {
    const t = await tokenize("k-many");
    for (let i = 0; i < 3; i++) {
      expect(
        await post("/checkout/init", zeroClick(nextOrder("Z"), "k-many", t, singleItem(10_000))),
      ).not.toHaveProperty("redirect_url");
    }
    expect(
      await post("/checkout/init", zeroClick(nextOrder("Z"), "k-many", t, singleItem(10_000))),
    ).toHaveProperty("redirect_url");
  });

  it.each([
    ["an unknown token", "00000000-0000-4000-8000-000000000000", "k-0click"],
    ["a token that is no UUID", "XXXX-XXXX", "k-0click"],
    ["another key's token", undefined, "k-other"],
  ])("falls back to the neutral 2-click answer for %s", async (_name, userToken, key) => {
    const res = await post("/checkout/init", zeroClick(nextOrder("Z"), key, userToken ?? token));
    expect(res).toEqual({
      status: 1,
      message: "Success",
      checkout_url: `${PUBLIC_BASE_URL}/kredivo/signIn?tk=${res.transaction_id}`,
      transaction_id: expect.any(String),
    });
    expect(await checkoutTypes(String(res.transaction_id))).toEqual(["Initiated"]);
  });

  it("refuses a used order_id with another body (1002) before counting it", async () => {
    const orderId = nextOrder("Z");
    await post("/checkout/init", zeroClick(orderId, "k-0click", token));
    const head = await h.quietHead();
    const res = await post("/checkout/init", zeroClick(orderId, "k-0click", token, { device_id: "other" }));
    expect(res).toMatchObject({ status: 1002 });
    expect(await h.head()).toBe(head);
  });
});

describe("POST /kredivo/get_credit_details", () => {
  it("answers the remaining limit per tenure", async () => {
    const token = await tokenize("k-credit");
    const res = await h.post("/get_credit_details", { server_key: SANDBOX_SERVER_KEY, user_token: token });
    const body = res.json() as { limit: Record<string, number> };
    expect(Object.keys(body)).toEqual(["status", "message", "limit"]);
    expect(body).toMatchObject({ status: 1, message: "Success" });
    expect(Object.keys(body.limit)).toEqual(["1", "3", "6", "12"]);
    for (const value of Object.values(body.limit)) expect(Number.isInteger(value)).toBe(true);
  });

  it("answers 2012 for an unknown server_key", async () => {
    const res = await post("/get_credit_details", { server_key: "no-such-merchant-key", user_token: "t" });
    expect(res).toEqual({ status: 2012, message: "Invalid Merchant" });
  });

  it("answers 1002 for an unknown token", async () => {
    const res = await post("/get_credit_details", {
      server_key: SANDBOX_SERVER_KEY,
      user_token: "XXXX-YYYY",
    });
    expect(res).toEqual({
      status: 1002,
      message: BAD_REQUEST,
      error: { message: "user_token is unknown, revoked or not a token of this merchant" },
    });
  });

  it("answers 1002 for a missing field", async () => {
    const res = await post("/get_credit_details", { server_key: SANDBOX_SERVER_KEY });
    expect(res).toEqual({ status: 1002, message: BAD_REQUEST, error: { message: "user_token: required" } });
  });
});

describe("POST /v1/user-tokens/:userToken/revoke", () => {
  const revoke = (userToken: string, key?: string) =>
    h.app.inject({
      method: "POST",
      url: `/v1/user-tokens/${userToken}/revoke`,
      headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
    });

  it("revokes: 0-click falls back to 2-click, get_credit_details answers 1002; again is a no-op", async () => {
    const token = await tokenize("k-revoke");
    const res = await revoke(token, OPERATOR_KEY);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      userToken: token,
      merchantId: "sandbox-merchant",
      clientUserKey: "k-revoke",
      status: "revoked",
    });
    const init = await post("/checkout/init", zeroClick(nextOrder("Z"), "k-revoke", token));
    expect(init).toHaveProperty("checkout_url");
    expect(await checkoutTypes(String(init.transaction_id))).toEqual(["Initiated"]);
    const details = await post("/get_credit_details", { server_key: SANDBOX_SERVER_KEY, user_token: token });
    expect(details).toMatchObject({ status: 1002 });
    // The key has no active token any more: tokenize_user is answered 2007 again.
    const again = await post(
      "/checkout/init",
      sampleInit(nextOrder("T"), { tokenize_user: true, client_user_key: "k-revoke" }),
    );
    expect(again).toMatchObject({ code: 2007 });
    const head = await h.quietHead();
    expect((await revoke(token, OPERATOR_KEY)).statusCode).toBe(200);
    expect(await h.head()).toBe(head);
  });

  it("answers 404 user_token_not_found for a token we never issued", async () => {
    const res = await revoke("00000000-0000-4000-8000-000000000000", OPERATOR_KEY);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: "user_token_not_found", param: "userToken" });
  });

  it.each([
    [undefined, 401, "api_key_missing"],
    ["not-a-configured-key-123", 401, "api_key_invalid"],
    [FINANCE_KEY, 403, "role_required"],
  ])("refuses key %s with %i %s", async (key, status, code) => {
    const res = await revoke("00000000-0000-4000-8000-000000000000", key);
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ code });
  });
});
