import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { testCaller } from "../../services/ledger/testing/decider-spec.ts";
import { type CheckoutHarness, startCheckoutHarness } from "../checkout/harness.ts";
import { approveAs } from "../support/buyers.ts";
import { nextOrder, sampleInit } from "../support/checkout-requests.ts";
import { submitPinLink } from "../support/pin-link.ts";
import { LENDER_API_KEYS, v1 } from "./support.ts";

// Buyers onboarded through /v1 (role admin): registered by phone, a PIN set by the buyer through a one-time
// link, frozen (checkouts denied by a named rule), closed only when nothing is outstanding.

let h: CheckoutHarness;
beforeAll(async () => {
  h = await startCheckoutHarness({ env: { API_KEYS: LENDER_API_KEYS } });
});
afterAll(async () => {
  await h?.close();
});

let phones = 0;
const newPhone = () => `+8490${String(Date.now() % 1_000_000).padStart(6, "0")}${++phones}`;

async function registerBuyer(phone = newPhone()) {
  const res = await v1(h, "POST", "/buyers", { phone });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ userId: string; phone: string }>();
}

/** The buyer opens the link and types the PIN twice; answers the final page's status. */
async function setPinThrough(url: string, pin: string, confirm = pin) {
  return (await submitPinLink(h.app, url, pin, { confirm })).statusCode;
}

const newCheckout = async () => {
  const res = await h.post("/checkout/init", sampleInit(nextOrder("BUY")));
  return String((res.json() as { transaction_id: string }).transaction_id);
};

describe("registering buyers", () => {
  it("registers a buyer by phone under an id of ours, without a PIN", async () => {
    const buyer = await registerBuyer();
    expect(buyer.userId).toMatch(/^buy-[0-9a-f]{16}$/);
    expect((await v1(h, "GET", `/buyers/${buyer.userId}`)).json()).toMatchObject({
      status: "active",
      pinSet: false,
    });
  });

  it("a phone names one buyer: registering it again is 409 buyer_phone_taken", async () => {
    const res = await v1(h, "POST", "/buyers", { phone: SANDBOX_BUYER.phone });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: "buyer_phone_taken", param: "phone" });
  });
});

describe("the PIN link", () => {
  it("sets the PIN once; the buyer then signs in with it", async () => {
    const buyer = await registerBuyer();
    const link = await v1(h, "POST", `/buyers/${buyer.userId}/pin-link`, {});
    expect(link.statusCode).toBe(201);
    const { url } = link.json<{ url: string }>();
    expect((await submitPinLink(h.app, url, "123456", { forge: true })).statusCode).toBe(403);
    expect(await setPinThrough(url, "123456", "654321")).toBe(400);
    expect(await setPinThrough(url, "123456")).toBe(200);
    expect(await setPinThrough(url, "999999")).toBe(410);
    expect((await v1(h, "GET", `/buyers/${buyer.userId}`)).json()).toMatchObject({ pinSet: true });

    const transactionId = await newCheckout();
    const signedIn = await h.checkout.signIn(transactionId, buyer.phone, "123456", testCaller);
    expect(signedIn.signedIn).toBe(true);
    const events = JSON.stringify(await h.store.readStream(`buyer-${buyer.userId}`));
    expect(events).not.toContain("123456");
    // Not even the PIN's hash: the event carries a reference to it in the secret store.
    expect(events).not.toContain("scrypt$");
    expect(events).not.toContain(new URL(url).pathname.split("/").at(-1));
    expect(JSON.stringify(h.logs)).not.toContain("123456");
  });
});

describe("freezing", () => {
  it("a frozen buyer's checkout is denied with buyer_must_not_be_frozen; unfrozen, it is approved", async () => {
    const frozen = await v1(h, "POST", `/buyers/${SANDBOX_BUYER.userId}/freeze`, { reason: "fraud review" });
    expect(frozen.json()).toMatchObject({ status: "frozen" });
    const denied = await newCheckout();
    expect(await approveAs(h, denied)).toBe("denied");
    const events = await h.store.readStream(`checkout-${denied}`);
    expect(events.find((e) => e.type === "Denied")?.data).toMatchObject({
      reason: "buyer_must_not_be_frozen",
    });

    await v1(h, "POST", `/buyers/${SANDBOX_BUYER.userId}/unfreeze`, { reason: "cleared" });
    expect(await approveAs(h, await newCheckout())).toBe("pending");
  });
});

describe("closing", () => {
  it("is refused while the buyer holds credit, and final otherwise", async () => {
    const refused = await v1(h, "POST", `/buyers/${SANDBOX_BUYER.userId}/close`, { reason: "asked" });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: "buyer_has_outstanding_balance" });

    const buyer = await registerBuyer();
    const closed = await v1(h, "POST", `/buyers/${buyer.userId}/close`, { reason: "asked" });
    expect(closed.json()).toMatchObject({ status: "closed" });
    const link = await v1(h, "POST", `/buyers/${buyer.userId}/pin-link`, {});
    expect(link.json()).toMatchObject({ code: "buyer_closed" });
  });

  it("an unknown buyer is 404 buyer_not_found", async () => {
    const res = await v1(h, "POST", "/buyers/buy-0000000000000000/freeze", { reason: "x" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: "buyer_not_found" });
  });
});
