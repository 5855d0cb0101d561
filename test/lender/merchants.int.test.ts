import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CheckoutHarness, startCheckoutHarness } from "../checkout/harness.ts";
import { nextOrder, sampleInit, statusRequest } from "../support/checkout-requests.ts";
import { ADMIN_KEY, LENDER_API_KEYS, OPERATOR_KEY, onboardMerchant, v1 } from "./support.ts";

// Merchants onboarded, rotated and suspended through /v1 (role admin), and what their /kredivo calls
// answer afterwards. The clock is the use cases' own, so a rotation's overlap can run out.

let clock = Date.now();
let h: CheckoutHarness;
beforeAll(async () => {
  h = await startCheckoutHarness({ now: () => new Date(clock), env: { API_KEYS: LENDER_API_KEYS } });
});
afterAll(async () => {
  await h?.close();
});

const status = async (serverKey: string, transactionId = "none") =>
  (await h.post("/transaction/status", statusRequest(transactionId, serverKey))).json() as {
    status: number;
  };
const init = async (serverKey: string) =>
  (await h.post("/checkout/init", sampleInit(nextOrder("LND"), { server_key: serverKey }))).json() as {
    status: number;
    transaction_id?: string;
  };

describe("onboarding merchants", () => {
  it("registers a merchant under an id of ours and shows its server_key once", async () => {
    const res = await v1(h, "POST", "/merchants", {
      name: "Pho 24",
      feeRateBps: 180,
      dealerCodes: ["PHO-1"],
    });
    expect(res.statusCode).toBe(201);
    const created = res.json<{ merchantId: string; serverKey: string }>();
    expect(created).toMatchObject({
      name: "Pho 24",
      feeRateBps: 180,
      status: "active",
      dealerCodes: ["PHO-1"],
    });
    expect(created.merchantId).toMatch(/^mer-[0-9a-f]{16}$/);
    expect((await init(created.serverKey)).status).toBe(1);

    const read = await v1(h, "GET", `/merchants/${created.merchantId}`);
    expect(read.statusCode).toBe(200);
    expect(read.json()).not.toHaveProperty("serverKey");
    const list = await v1(h, "GET", "/merchants");
    const ids = list.json<{ merchants: { merchantId: string }[] }>().merchants.map((m) => m.merchantId);
    expect(ids).toEqual(expect.arrayContaining([created.merchantId, "sandbox-merchant"]));
    expect(list.body).not.toContain(created.serverKey);
  });

  it("needs the admin role: an operator key is 403, no key 401", async () => {
    expect((await v1(h, "POST", "/merchants", { name: "X", feeRateBps: 1 }, OPERATOR_KEY)).statusCode).toBe(
      403,
    );
    const anonymous = await h.app.inject({ method: "GET", url: "/v1/merchants" });
    expect(anonymous.statusCode).toBe(401);
  });

  it("an unknown merchant is 404 merchant_not_found", async () => {
    const res = await v1(h, "POST", "/merchants/mer-0000000000000000/suspend", { reason: "x" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: "merchant_not_found", param: "merchantId" });
  });
});

describe("two merchants", () => {
  it("never see each other's transactions", async () => {
    const a = await onboardMerchant(h, "Merchant A");
    const b = await onboardMerchant(h, "Merchant B");
    const started = await init(a.serverKey);
    const transactionId = String(started.transaction_id);
    expect((await status(a.serverKey, transactionId)).status).toBe(1);
    // Another merchant's transaction is as unknown to B as one that does not exist (seed: 1002).
    expect((await status(b.serverKey, transactionId)).status).toBe(1002);
    const cancel = await h.post("/transaction/cancel", {
      transaction_id: transactionId,
      server_key: b.serverKey,
      order_id: "whatever",
      reason: "no",
      cancelled_by: "b",
    });
    expect((cancel.json() as { status: number }).status).toBe(2018);
  });
});

describe("key rotation", () => {
  it("the old key works until the overlap ends, then answers 2012; the new one works throughout", async () => {
    const m = await onboardMerchant(h, "Rotating");
    const rotated = await v1(h, "POST", `/merchants/${m.merchantId}/server-key/rotate`, {
      overlapSeconds: 600,
      reason: "yearly rotation",
    });
    expect(rotated.statusCode).toBe(200);
    const { serverKey: newKey, previousKeyValidUntil } = rotated.json<{
      serverKey: string;
      previousKeyValidUntil: string;
    }>();
    expect(newKey).not.toBe(m.serverKey);
    expect(Date.parse(previousKeyValidUntil)).toBe(clock + 600_000);
    expect((await init(m.serverKey)).status).toBe(1);
    expect((await init(newKey)).status).toBe(1);

    clock += 601_000;
    expect((await init(m.serverKey)).status).toBe(2012);
    expect((await init(newKey)).status).toBe(1);
  });

  it("without an overlap the old key stops at once", async () => {
    const m = await onboardMerchant(h, "Leaked");
    const rotated = await v1(h, "POST", `/merchants/${m.merchantId}/server-key/rotate`, { reason: "leaked" });
    expect((await init(m.serverKey)).status).toBe(2012);
    expect((await init(rotated.json<{ serverKey: string }>().serverKey)).status).toBe(1);
  });
});

describe("suspension", () => {
  it("a suspended merchant's calls answer 2012 until it is reactivated", async () => {
    const m = await onboardMerchant(h, "Suspect");
    const suspended = await v1(h, "POST", `/merchants/${m.merchantId}/suspend`, { reason: "fraud review" });
    expect(suspended.json()).toMatchObject({ status: "suspended" });
    expect((await init(m.serverKey)).status).toBe(2012);
    expect((await status(m.serverKey)).status).toBe(2012);
    await v1(h, "POST", `/merchants/${m.merchantId}/reactivate`, { reason: "review closed" });
    expect((await init(m.serverKey)).status).toBe(1);
  });

  it("records who did it and why; the log holds no server key", async () => {
    const m = await onboardMerchant(h, "Audited");
    await v1(h, "POST", `/merchants/${m.merchantId}/suspend`, { reason: "chargebacks" });
    const events = await h.store.readStream(`merchant-${m.merchantId}`);
    const suspension = events.find((e) => e.type === "MerchantSuspended");
    expect(suspension?.actor).toMatch(/^admin:key-[0-9a-f]{12}$/);
    expect(suspension?.data).toEqual({ reason: "chargebacks" });
    expect(JSON.stringify(events)).not.toContain(m.serverKey);
    expect(JSON.stringify(h.logs)).not.toContain(m.serverKey);
    expect(JSON.stringify(events)).not.toContain(ADMIN_KEY);
  });
});
