import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { initSuccessResponseSchema } from "../../contracts/checkout/init.ts";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { loadConfig } from "../../services/platform/config.ts";
import { type RunningService, startService } from "../../services/runtime/compose.ts";
import { sampleInit, statusRequest } from "../support/checkout-requests.ts";
import { ARTIFACTS, chromiumPresent, launchChromium, startMerchant } from "../support/e2e.ts";
import { eventually } from "../support/eventually.ts";
import { kredivo } from "../support/kredivo-http.ts";

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
  let dir: string;
  let service: RunningService;
  let merchant: Awaited<ReturnType<typeof startMerchant>>;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ledger-e2e-"));
    mkdirSync(ARTIFACTS, { recursive: true });
    service = await startService(
      loadConfig({ DATA_DIR: dir, PORT: "0", LOG_LEVEL: "silent" }),
      pino({ level: "silent" }),
    );
    merchant = await startMerchant();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await merchant?.close();
    await service?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const post = async (path: string, body: unknown) => {
    const { httpStatus, json } = await kredivo(service.url, path, body);
    if (httpStatus === 404)
      throw new Error(`POST /kredivo${path} is not served: this test needs the Checkout API routes`);
    expect(httpStatus).toBe(200);
    return json;
  };

  const trxStatus = async (transactionId: string) =>
    statusResponse.parse(await post("/transaction/status", statusRequest(transactionId))).trx_status;

  /** The seed's sample order from the merchant's store: pushes and landing pages at the merchant. */
  const initFromStore = (orderId: string) =>
    post(
      "/checkout/init",
      sampleInit(orderId, {
        push_url: `${merchant.url}/push`,
        back_to_store_url: `${merchant.url}/back`,
        cancel_url: `${merchant.url}/cancel`,
      }),
    );

  it("merchant init → sign in → OTP → tenure 3 → approve → back at the store, transaction pending", async () => {
    const orderId = `E2E-${randomUUID()}`;
    const init = initSuccessResponseSchema.parse(await initFromStore(orderId));
    expect(init.checkout_url).toBe(`${service.url}/kredivo/signIn?tk=${init.transaction_id}`);

    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: "en-US",
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text()); // CSP violations are reported here
    });
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    const shot = (name: string) =>
      page.screenshot({ path: join(ARTIFACTS, `checkout-e2e-${name}.png`), fullPage: true });

    // 1. Sign in with the seed's sandbox account.
    await page.goto(init.checkout_url);
    await expect.poll(() => page.title()).toContain("Sign in to Kredivo");
    expect(await page.textContent(".order .total")).toBe("6.505.000 ₫");
    await shot("01-sign-in");
    await page.fill("#phone", SANDBOX_BUYER.phone);
    await page.fill("#pin", SANDBOX_BUYER.pin);
    await Promise.all([
      page.waitForURL(/\/kredivo\/signIn\?tk=/),
      page.click("#sign-in button[type=submit]"),
    ]);

    // 2. The OTP.
    expect(await page.textContent("h1")).toBe("Enter your OTP");
    const cookies = await context.cookies(`${service.url}/kredivo/signIn`);
    const session = cookies.find((c) => c.name === `kredivo_session_${init.transaction_id}`);
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/kredivo/signIn" });
    await shot("02-otp");
    await page.fill("#otp-code", SANDBOX_BUYER.otp);
    await Promise.all([page.waitForURL(/\/kredivo\/signIn\?tk=/), page.click("#otp button[type=submit]")]);

    // 3. The order summary: items, amount, tenures with their monthly instalments.
    expect(await page.textContent("h1")).toBe("Review your purchase");
    expect(await page.locator("ul.items li").count()).toBe(5);
    expect(await page.locator("input[name=tenure]").count()).toBe(4);
    expect(await page.locator("input[name=tenure]:disabled").count()).toBe(0);
    await page.check("#tenure-3");
    expect(await page.isChecked("#tenure-3")).toBe(true);
    await shot("03-summary");

    // 4. Approve: the browser follows the 303 to the merchant's back_to_store_url.
    await Promise.all([page.waitForURL(`${merchant.url}/back`), page.click("#approve button[type=submit]")]);
    expect(await page.textContent("h1")).toBe("Back at the store");
    expect(merchant.landings).toEqual(["/back"]);
    await shot("04-back-to-store");
    expect(problems).toEqual([]);

    // The checkout cookies are gone and the transaction is pending, tenure 3.
    const left = (await context.cookies(`${service.url}/kredivo/signIn`)).filter((c) =>
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
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "en-US" });
    const page = await context.newPage();
    await page.goto(init.checkout_url);
    await page.fill("#phone", SANDBOX_BUYER.phone);
    await page.fill("#pin", SANDBOX_BUYER.pin);
    await Promise.all([
      page.waitForURL(/\/kredivo\/signIn\?tk=/),
      page.click("#sign-in button[type=submit]"),
    ]);
    await page.fill("#otp-code", SANDBOX_BUYER.otp);
    await Promise.all([page.waitForURL(/\/kredivo\/signIn\?tk=/), page.click("#otp button[type=submit]")]);
    expect(await page.isChecked("#tenure-1")).toBe(true);
    await Promise.all([page.waitForURL(`${merchant.url}/back`), page.click("#approve button[type=submit]")]);

    // The push reaches the merchant's push_url: pending, with the signature_key to confirm with.
    const received = await eventually(`a push of ${init.transaction_id} at ${merchant.url}/push`, () =>
      merchant.pushes.find((p) => p.body.includes(init.transaction_id)),
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
