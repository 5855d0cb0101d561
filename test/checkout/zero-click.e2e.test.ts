import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { pushSignature, SEED_AMOUNT_MINOR, sampleInit, statusRequest } from "../support/checkout-requests.ts";
import { chromiumPresent, type E2eWorld, kredivoOk, signIn, startE2eWorld, submit } from "../support/e2e.ts";

// 0-click end to end in headless Chromium (Debian's, via playwright-core): the buyer tokenizes through the
// 2-click page (tokenize_user), the merchant settles and gets the user_token; a 0-click checkout from the
// same device never shows a page; one from a new device is sent to the OTP challenge, passes it in the
// browser and lands back at the store with the transaction pending.

const hasChromium = chromiumPresent("zero-click.e2e");

describe.skipIf(!hasChromium)("0-click checkout in a real browser", () => {
  let world: E2eWorld;
  beforeAll(async () => {
    world = await startE2eWorld("ledger-e2e-0click-");
  });
  afterAll(() => world?.close());

  const post = (path: string, body: unknown) => kredivoOk(world.service.url, path, body);
  const fromStore = (orderId: string, extra: Record<string, unknown>) =>
    sampleInit(orderId, {
      push_url: `${world.merchant.url}/push`,
      back_to_store_url: `${world.merchant.url}/back`,
      cancel_url: `${world.merchant.url}/cancel`,
      client_user_key: "e2e-buyer@example.com",
      ...extra,
    });

  it("tokenize on the page → settle → 0-click without a page → new device: OTP challenge → back at the store", async () => {
    // 1. A tokenizing 2-click checkout (2007), approved on the hosted page.
    const orderId = `E2E-TOK-${randomUUID()}`;
    const init = await post(
      "/checkout/init",
      fromStore(orderId, { tokenize_user: true, device_id: "phone-1" }),
    );
    expect(init).toMatchObject({ status: 1, code: 2007 });
    const transactionId = String(init.transaction_id);
    const page = await (await world.browser.newContext({ locale: "en-US" })).newPage();
    await page.goto(String(init.checkout_url));
    await signIn(page);
    await page.fill("#otp-code", SANDBOX_BUYER.otp);
    await submit(page, "#otp", /\/kredivo\/signIn\?tk=/);
    await submit(page, "#approve", `${world.merchant.url}/back`);

    // 2. Settled: the user_token comes in checkout/update.
    const signature_key = pushSignature({
      transactionId,
      orderId,
      amountMinor: SEED_AMOUNT_MINOR,
      tenure: 1,
    });
    const update = await post("/checkout/update", {
      signature_key,
      transaction_id: transactionId,
      status: "settled",
    });
    const userToken = String(update.user_token);
    expect(userToken).toMatch(/^[0-9a-f-]{36}$/);

    // 3. 0-click from the same device: approved without any URL.
    const zero = await post(
      "/checkout/init",
      fromStore(`E2E-Z-${randomUUID()}`, { user_token: userToken, device_id: "phone-1" }),
    );
    expect(zero).toEqual({ status: 1, message: "Success", transaction_id: expect.any(String) });
    const zeroStatus = await post("/transaction/status", statusRequest(String(zero.transaction_id)));
    expect(zeroStatus.trx_status).toBe("pending");

    // 4. From a new device: the OTP challenge in the browser, then back at the store, pending.
    const flagged = await post(
      "/checkout/init",
      fromStore(`E2E-F-${randomUUID()}`, { user_token: userToken, device_id: "laptop-7" }),
    );
    expect(flagged).toHaveProperty("redirect_url");
    const challenge = await (await world.browser.newContext({ locale: "en-US" })).newPage();
    await challenge.goto(String(flagged.redirect_url));
    expect(await challenge.textContent("h1")).toBe("Enter your OTP");
    expect(await challenge.locator("#phone").count()).toBe(0);
    await challenge.fill("#otp-code", SANDBOX_BUYER.otp);
    await submit(challenge, "#otp", `${world.merchant.url}/back`);
    expect(await challenge.textContent("h1")).toBe("Back at the store");
    const flaggedStatus = await post("/transaction/status", statusRequest(String(flagged.transaction_id)));
    expect(flaggedStatus.trx_status).toBe("pending");

    // 5. The device passed a challenge: the next 0-click from it is approved at once.
    const trusted = await post(
      "/checkout/init",
      fromStore(`E2E-T-${randomUUID()}`, { user_token: userToken, device_id: "laptop-7" }),
    );
    expect(trusted).not.toHaveProperty("redirect_url");
  });
});
