import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { loadConfig } from "../../services/platform/config.ts";
import { type RunningService, startService } from "../../services/runtime/compose.ts";
import { statusRequest } from "../support/checkout-requests.ts";
import { ARTIFACTS, chromiumPresent, launchChromium, startMerchant } from "../support/e2e.ts";
import { eventually } from "../support/eventually.ts";
import { kredivo } from "../support/kredivo-http.ts";
import { fetchQr, initOffline, offlineRequest } from "./offline-support.ts";

// The offline (QR) checkout end to end: the merchant's till starts an offline checkout over HTTP and shows
// qr_link; the test fetches that PNG and decodes it with jsQR as a phone's camera would, opens what it
// encodes in headless Chromium (a phone-sized context), and the buyer signs in, enters the OTP and approves
// on the hosted page, landing back at the store. The merchant gets the pending push echoing its metadata,
// confirms it, and the status says settlement.

const hasChromium = chromiumPresent("offline.e2e");

const pushBody = z.object({
  trx_status: z.string(),
  transaction_id: z.string(),
  signature_key: z.string(),
  total_downpayment: z.string(),
  metadata: z.record(z.string(), z.unknown()),
});

describe.skipIf(!hasChromium)("offline checkout: the QR code scanned with a phone", () => {
  let dir: string;
  let service: RunningService;
  let merchant: Awaited<ReturnType<typeof startMerchant>>;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ledger-offline-e2e-"));
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

  it("till init → scan qr_link → sign in → OTP → approve → back at the store → push → confirm → settlement", async () => {
    const orderId = `OFF-E2E-${randomUUID()}`;
    const { transactionId, qrLink } = await initOffline(
      service.url,
      offlineRequest(orderId, `${merchant.url}/push`, { back_to_store_url: `${merchant.url}/back` }),
    );

    // The phone scans the QR code: the hosted page of this transaction.
    const { contentType, encoded } = await fetchQr(qrLink);
    expect(contentType).toBe("image/png");
    expect(encoded).toBe(`${service.url}/kredivo/signIn?tk=${transactionId}`);

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
      if (m.type() === "error") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    const shot = (name: string) =>
      page.screenshot({ path: join(ARTIFACTS, `offline-e2e-${name}.png`), fullPage: true });

    // The till's screen: the QR image itself renders in the browser.
    await page.goto(qrLink);
    expect(
      await page.locator("img").evaluate((img) => (img as { naturalWidth: number }).naturalWidth),
    ).toBeGreaterThan(100);
    await shot("00-qr");
    // Chromium asks the image's origin for /favicon.ico, which we do not serve; the page's own checks start here.
    problems.length = 0;

    await page.goto(encoded);
    await expect.poll(() => page.title()).toContain("Sign in to Kredivo");
    expect(await page.textContent(".order .total")).toBe("1.400.000 ₫");
    await shot("01-sign-in");
    await page.fill("#phone", SANDBOX_BUYER.phone);
    await page.fill("#pin", SANDBOX_BUYER.pin);
    await Promise.all([
      page.waitForURL(/\/kredivo\/signIn\?tk=/),
      page.click("#sign-in button[type=submit]"),
    ]);
    expect(await page.textContent("h1")).toBe("Enter your OTP");
    await page.fill("#otp-code", SANDBOX_BUYER.otp);
    await Promise.all([page.waitForURL(/\/kredivo\/signIn\?tk=/), page.click("#otp button[type=submit]")]);
    expect(await page.textContent("h1")).toBe("Review your purchase");
    expect(await page.locator("ul.items li").count()).toBe(3);
    await shot("02-summary");
    await Promise.all([page.waitForURL(`${merchant.url}/back`), page.click("#approve button[type=submit]")]);
    expect(await page.textContent("h1")).toBe("Back at the store");
    expect(problems).toEqual([]);

    // The merchant's push: pending, with its metadata and the downpayment paid at the till.
    const received = await eventually(`the push of ${transactionId}`, () =>
      merchant.pushes.find((p) => p.body.includes(transactionId)),
    );
    const push = pushBody.parse(JSON.parse(received.body));
    expect(push).toMatchObject({
      trx_status: "pending",
      total_downpayment: "200000.0",
      metadata: { till: "T-4", user_agent: "pos/1.0" },
    });
    const { json: updated } = await kredivo(service.url, "/checkout/update", {
      signature_key: push.signature_key,
      transaction_id: transactionId,
      status: "settled",
    });
    expect(updated).toMatchObject({ status: "settlement", order_id: orderId, amount: "1400000.0" });
    const { json: status } = await kredivo(service.url, "/transaction/status", statusRequest(transactionId));
    expect(status.trx_status).toBe("settlement");

    await page.goto(encoded);
    expect(await page.textContent("h1")).toBe("Purchase complete");
    await shot("03-complete");
    await context.close();
  });
});
