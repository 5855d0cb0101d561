import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { initSuccessResponseSchema } from "../../contracts/checkout/init.ts";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { sampleInit, statusRequest } from "../support/checkout-requests.ts";
import {
  chromiumPresent,
  type E2eWorld,
  kredivoOk,
  openPhonePage,
  signIn,
  startE2eWorld,
  submit,
} from "../support/e2e.ts";
import { eventually } from "../support/eventually.ts";

// The 2-click checkout end to end in a real browser: the merchant starts a checkout over HTTP, the buyer
// signs in, enters the OTP, picks tenure 3 and approves in headless Chromium, and lands back at the store.
// Then the merchant's side: the pending push at push_url, the confirmation with its signature_key, settlement.
// Chromium is Debian's (/usr/bin/chromium), driven by playwright-core (test/support/e2e.ts).

const hasChromium = chromiumPresent("checkout.e2e");

const statusResponse = z.object({ trx_status: z.string() });
const pushBody = z.object({
  trx_status: z.string(),
  transaction_id: z.string(),
  order_id: z.string(),
  amount: z.string(),
  tenure: z.number(),
  signature_key: z.string(),
});

describe.skipIf(!hasChromium)("2-click checkout in a real browser", () => {
  let world: E2eWorld;
  beforeAll(async () => {
    world = await startE2eWorld("ledger-e2e-");
  });
  afterAll(() => world?.close());

  const post = (path: string, body: unknown) => kredivoOk(world.service.url, path, body);

  const trxStatus = async (transactionId: string) =>
    statusResponse.parse(await post("/transaction/status", statusRequest(transactionId))).trx_status;

  /** The seed's sample order from the merchant's store: pushes and landing pages at the merchant. */
  const initFromStore = (orderId: string) =>
    post(
      "/checkout/init",
      sampleInit(orderId, {
        push_url: `${world.merchant.url}/push`,
        back_to_store_url: `${world.merchant.url}/back`,
        cancel_url: `${world.merchant.url}/cancel`,
      }),
    );

  it("merchant init → sign in → OTP → tenure 3 → approve → back at the store, transaction pending", async () => {
    const orderId = `E2E-${randomUUID()}`;
    const init = initSuccessResponseSchema.parse(await initFromStore(orderId));
    expect(init.checkout_url).toBe(`${world.service.url}/kredivo/signIn?tk=${init.transaction_id}`);

    const { context, page, problems, shot } = await openPhonePage(world.browser, "checkout-e2e");

    // 1. Sign in with the seed's sandbox account.
    await page.goto(init.checkout_url);
    await expect.poll(() => page.title()).toContain("Sign in to Kredivo");
    expect(await page.textContent(".order .total")).toBe("6.505.000 ₫");
    await shot("01-sign-in");
    await signIn(page);

    // 2. The OTP.
    expect(await page.textContent("h1")).toBe("Enter your OTP");
    const cookies = await context.cookies(`${world.service.url}/kredivo/signIn`);
    const session = cookies.find((c) => c.name === `kredivo_session_${init.transaction_id}`);
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/kredivo/signIn" });
    await shot("02-otp");
    await page.fill("#otp-code", SANDBOX_BUYER.otp);
    await submit(page, "#otp", /\/kredivo\/signIn\?tk=/);

    // 3. The order summary: items, amount, tenures with their monthly instalments.
    expect(await page.textContent("h1")).toBe("Review your purchase");
    expect(await page.locator("ul.items li").count()).toBe(5);
    expect(await page.locator("input[name=tenure]").count()).toBe(4);
    expect(await page.locator("input[name=tenure]:disabled").count()).toBe(0);
    await page.check("#tenure-3");
    expect(await page.isChecked("#tenure-3")).toBe(true);
    await shot("03-summary");

    // 4. Approve: the browser follows the 303 to the merchant's back_to_store_url.
    await submit(page, "#approve", `${world.merchant.url}/back`);
    expect(await page.textContent("h1")).toBe("Back at the store");
    expect(world.merchant.landings).toEqual(["/back"]);
    await shot("04-back-to-store");
    expect(problems).toEqual([]);

    // The checkout cookies are gone and the transaction is pending, tenure 3.
    const left = (await context.cookies(`${world.service.url}/kredivo/signIn`)).filter((c) =>
      c.name.endsWith(init.transaction_id),
    );
    expect(left).toEqual([]);
    expect(await trxStatus(init.transaction_id)).toBe("pending");

    // The page now says the purchase is approved.
    await page.goto(init.checkout_url);
    expect(await page.textContent("h1")).toBe("Purchase approved");
    await shot("05-status-approved");
    await context.close();
  });

  it("merchant receives the pending push at push_url, confirms with POST /kredivo/checkout/update and its signature_key, and /kredivo/transaction/status says settlement", async () => {
    const orderId = `E2E-${randomUUID()}`;
    const init = initSuccessResponseSchema.parse(await initFromStore(orderId));

    // The buyer approves in the browser, tenure 1 (the order's own).
    const context = await world.browser.newContext({
      viewport: { width: 390, height: 844 },
      locale: "en-US",
    });
    const page = await context.newPage();
    await page.goto(init.checkout_url);
    await signIn(page);
    await page.fill("#otp-code", SANDBOX_BUYER.otp);
    await submit(page, "#otp", /\/kredivo\/signIn\?tk=/);
    expect(await page.isChecked("#tenure-1")).toBe(true);
    await submit(page, "#approve", `${world.merchant.url}/back`);

    // The push reaches the merchant's push_url: pending, with the signature_key to confirm with.
    const received = await eventually(`a push of ${init.transaction_id} at ${world.merchant.url}/push`, () =>
      world.merchant.pushes.find((p) => p.body.includes(init.transaction_id)),
    );
    const push = pushBody.parse(JSON.parse(received.body));
    const headers = received.headers;
    expect(push).toMatchObject({
      trx_status: "pending",
      transaction_id: init.transaction_id,
      order_id: orderId,
      amount: "6505000.0",
      tenure: 1,
    });
    expect(headers?.["webhook-id"]).toMatch(/^[0-9a-f-]{36}$/);

    // The merchant confirms with it, and the status says settlement.
    const updated = await post("/checkout/update", {
      signature_key: push.signature_key,
      transaction_id: init.transaction_id,
      status: "settled",
    });
    expect(updated).toMatchObject({ status: "settlement", message: "Success", order_id: orderId });
    expect(await trxStatus(init.transaction_id)).toBe("settlement");

    // The buyer's page says so too.
    await page.goto(init.checkout_url);
    expect(await page.textContent("h1")).toBe("Purchase complete");
    await context.close();
  });
});
