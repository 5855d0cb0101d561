import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { statusRequest } from "../support/checkout-requests.ts";
import {
  chromiumPresent,
  type E2eWorld,
  openPhonePage,
  signIn,
  startE2eWorld,
  submit,
} from "../support/e2e.ts";
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
  let world: E2eWorld;
  beforeAll(async () => {
    world = await startE2eWorld("ledger-offline-e2e-");
  });
  afterAll(() => world?.close());

  it("till init → scan qr_link → sign in → OTP → approve → back at the store → push → confirm → settlement", async () => {
    const orderId = `OFF-E2E-${randomUUID()}`;
    const { transactionId, qrLink } = await initOffline(
      world.service.url,
      offlineRequest(orderId, `${world.merchant.url}/push`, {
        back_to_store_url: `${world.merchant.url}/back`,
      }),
    );

    // The phone scans the QR code: the hosted page of this transaction.
    const { contentType, encoded } = await fetchQr(qrLink);
    expect(contentType).toBe("image/png");
    expect(encoded).toBe(`${world.service.url}/kredivo/signIn?tk=${transactionId}`);

    const { context, page, problems, shot } = await openPhonePage(world.browser, "offline-e2e");

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
    await signIn(page);
    expect(await page.textContent("h1")).toBe("Enter your OTP");
    await page.fill("#otp-code", SANDBOX_BUYER.otp);
    await submit(page, "#otp", /\/kredivo\/signIn\?tk=/);
    expect(await page.textContent("h1")).toBe("Review your purchase");
    expect(await page.locator("ul.items li").count()).toBe(3);
    await shot("02-summary");
    await submit(page, "#approve", `${world.merchant.url}/back`);
    expect(await page.textContent("h1")).toBe("Back at the store");
    expect(problems).toEqual([]);

    // The merchant's push: pending, with its metadata and the downpayment paid at the till.
    const received = await eventually(`the push of ${transactionId}`, () =>
      world.merchant.pushes.find((p) => p.body.includes(transactionId)),
    );
    const push = pushBody.parse(JSON.parse(received.body));
    expect(push).toMatchObject({
      trx_status: "pending",
      total_downpayment: "200000.0",
      metadata: { till: "T-4", user_agent: "pos/1.0" },
    });
    const { json: updated } = await kredivo(world.service.url, "/checkout/update", {
      signature_key: push.signature_key,
      transaction_id: transactionId,
      status: "settled",
    });
    expect(updated).toMatchObject({ status: "settlement", order_id: orderId, amount: "1400000.0" });
    const { json: status } = await kredivo(
      world.service.url,
      "/transaction/status",
      statusRequest(transactionId),
    );
    expect(status.trx_status).toBe("settlement");

    await page.goto(encoded);
    expect(await page.textContent("h1")).toBe("Purchase complete");
    await shot("03-complete");
    await context.close();
  });
});
