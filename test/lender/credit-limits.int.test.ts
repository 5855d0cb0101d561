import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { type CheckoutHarness, startCheckoutHarness } from "../checkout/harness.ts";
import { approveAs } from "../support/buyers.ts";
import { nextOrder, SEED_AMOUNT, sampleInit } from "../support/checkout-requests.ts";
import { LENDER_API_KEYS, v1 } from "./support.ts";

// Credit limits through /v1 (role admin): set, raised and lowered with a reason, refused below what is held
// and used, and the history of who changed what and when.

let h: CheckoutHarness;
beforeAll(async () => {
  h = await startCheckoutHarness({ env: { API_KEYS: LENDER_API_KEYS } });
});
afterAll(async () => {
  await h?.close();
});

const setLimit = (userId: string, body: Record<string, unknown>, product = "kredivo") =>
  v1(h, "POST", `/credit-lines/${product}/${userId}/limit`, body);

describe("a new buyer's limit", () => {
  it("is set per tenure, raised, lowered, and its history says who, when and why", async () => {
    const buyer = (await v1(h, "POST", "/buyers", { phone: "+84901112233" })).json<{ userId: string }>();
    const set = await setLimit(buyer.userId, {
      limit: "20000000",
      perTenure: { "1": "20000000", "3": "10000000" },
      reason: "onboarding score B",
    });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toEqual({
      product: "kredivo",
      userId: buyer.userId,
      currency: "VND",
      limit: "20000000",
      perTenure: { "1": "20000000", "3": "10000000" },
    });
    await setLimit(buyer.userId, { limit: "30000000", reason: "good repayments" });
    await setLimit(buyer.userId, { limit: "5000000", reason: "risk review" });

    const history = await v1(h, "GET", `/credit-lines/kredivo/${buyer.userId}/limit-history`);
    expect(history.statusCode).toBe(200);
    const changes = history.json<{ changes: Record<string, unknown>[] }>().changes;
    expect(changes.map((c) => [c.change, c.limit, c.previousLimit, c.reason])).toEqual([
      ["set", "20000000", null, "onboarding score B"],
      ["raised", "30000000", "20000000", "good repayments"],
      ["lowered", "5000000", "30000000", "risk review"],
    ]);
    for (const change of changes) expect(change.actor).toMatch(/^admin:key-[0-9a-f]{12}$/);
  });

  it("an unregistered buyer has no limit to set: 404 buyer_not_found", async () => {
    const res = await setLimit("buy-0000000000000000", { limit: "1", reason: "x" });
    expect(res.json()).toMatchObject({ code: "buyer_not_found" });
  });

  it("amounts must be of the line's currency: VND has no decimals", async () => {
    const res = await setLimit(SANDBOX_BUYER.userId, { limit: "100.50", reason: "x" });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: "invalid_parameter", param: "limit" });
  });
});

describe("lowering below use", () => {
  it("is refused with limit_below_outstanding and changes nothing", async () => {
    const init = await h.post("/checkout/init", sampleInit(nextOrder("LIM")));
    const transactionId = String((init.json() as { transaction_id: string }).transaction_id);
    expect(await approveAs(h, transactionId)).toBe("pending");
    const before = await h.store.headPosition();
    const res = await setLimit(SANDBOX_BUYER.userId, { limit: String(SEED_AMOUNT - 1), reason: "cut" });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: "limit_below_outstanding", param: "limit" });
    const appended = (await h.store.readStream(`creditline-${SANDBOX_BUYER.userId}`)).filter(
      (e) => BigInt(e.position) > BigInt(before) && e.type === "CreditLimitSet",
    );
    expect(appended).toEqual([]);
    expect(
      (await setLimit(SANDBOX_BUYER.userId, { limit: String(SEED_AMOUNT), reason: "cut" })).statusCode,
    ).toBe(200);
  });
});
