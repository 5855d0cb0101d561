import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CheckoutHarness, startCheckoutHarness } from "../checkout/harness.ts";
import { approveAs, type Buyer } from "../support/buyers.ts";
import {
  nextOrder,
  pushSignature,
  SEED_AMOUNT_MINOR,
  sampleInit,
  statusRequest,
} from "../support/checkout-requests.ts";
import { submitPinLink } from "../support/pin-link.ts";
import { ADMIN_KEY, LENDER_API_KEYS, type OnboardedMerchant, onboardMerchant, v1 } from "./support.ts";

// The operator's walkthrough end to end over inject(): two merchants and two buyers onboarded through /v1,
// each buyer's PIN set through its link and a limit given, a checkout of each buyer at each merchant, every
// call of one merchant about the other's transaction refused with the seed's codes; and afterwards no
// server key, PIN, OTP or PIN-link token anywhere in the log or the log lines.

let h: CheckoutHarness;
beforeAll(async () => {
  h = await startCheckoutHarness({ env: { API_KEYS: LENDER_API_KEYS, LOG_LEVEL: "debug" } });
});
afterAll(async () => {
  await h?.close();
});

const secrets: string[] = [];

async function onboardBuyer(phone: string, pin: string): Promise<Buyer> {
  const { userId } = (await v1(h, "POST", "/buyers", { phone })).json<{ userId: string }>();
  const { url } = (await v1(h, "POST", `/buyers/${userId}/pin-link`, {})).json<{ url: string }>();
  const path = new URL(url).pathname;
  secrets.push(pin, path.split("/").at(-1) ?? "");
  const set = await submitPinLink(h.app, url, pin);
  expect(set.statusCode).toBe(200);
  const limit = await v1(h, "POST", `/credit-lines/kredivo/${userId}/limit`, {
    limit: "50000000",
    reason: "onboarding",
  });
  expect(limit.statusCode, limit.body).toBe(200);
  return { userId, phone, pin, otp: "4567" };
}

async function checkoutAt(merchant: OnboardedMerchant) {
  const orderId = nextOrder("FLOW");
  const res = await h.post("/checkout/init", sampleInit(orderId, { server_key: merchant.serverKey }));
  return { transactionId: (res.json() as { transaction_id: string }).transaction_id, orderId };
}

/** checkout/update settling `checkout`, signed as the push of `signer` would be. */
const confirm = (checkout: { transactionId: string; orderId: string }, signer: OnboardedMerchant) =>
  h.post("/checkout/update", {
    transaction_id: checkout.transactionId,
    status: "settled",
    signature_key: pushSignature(
      { ...checkout, amountMinor: SEED_AMOUNT_MINOR, tenure: 1 },
      signer.serverKey,
    ),
  });

describe("two merchants and two buyers", () => {
  it("each buyer pays at each merchant, and no merchant sees the other's transactions", async () => {
    const merchants = [await onboardMerchant(h, "Merchant One"), await onboardMerchant(h, "Merchant Two")];
    secrets.push(...merchants.map((m) => m.serverKey));
    const buyers = [
      await onboardBuyer("+84911000001", "246810"),
      await onboardBuyer("+84911000002", "135791"),
    ];

    for (const merchant of merchants) {
      const other = merchants.find((m) => m !== merchant)!;
      for (const buyer of buyers) {
        const checkout = await checkoutAt(merchant);
        const { transactionId } = checkout;
        expect(await approveAs(h, transactionId, buyer)).toBe("pending");
        const own = await h.post("/transaction/status", statusRequest(transactionId, merchant.serverKey));
        expect((own.json() as { status: number }).status).toBe(1);
        const foreign = await h.post("/transaction/status", statusRequest(transactionId, other.serverKey));
        expect((foreign.json() as { status: number }).status).toBe(1002);
        const cancel = await h.post("/transaction/cancel", {
          transaction_id: transactionId,
          server_key: other.serverKey,
          order_id: "any",
          reason: "not mine",
          cancelled_by: "other",
        });
        expect((cancel.json() as { status: number }).status).toBe(2018);
        // Confirming needs the push's signature_key, which only the transaction's own merchant can make.
        expect(((await confirm(checkout, other)).json() as { status: number }).status).toBe(1002);
        expect(((await confirm(checkout, merchant)).json() as { status: unknown }).status).toBe("settlement");
      }
    }
  });

  it("no server key, PIN, OTP or PIN-link token is in any event or log line", async () => {
    const events = JSON.stringify(await h.store.readAll({ after: "0", maxCount: 10_000 }), (_key, value) =>
      typeof value === "bigint" ? String(value) : value,
    );
    const logs = JSON.stringify(h.logs);
    for (const secret of [...secrets, ADMIN_KEY]) {
      expect(events).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
    // The OTP is the sandbox's 4567, which may appear inside other numbers: look for it as a value.
    expect(events).not.toMatch(/"4567"/);
    expect(logs).not.toMatch(/"4567"/);
  });
});
