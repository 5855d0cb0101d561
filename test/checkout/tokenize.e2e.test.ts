import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenizeSignatureKey } from "../../contracts/checkout/tokenize.ts";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { loadConfig } from "../../services/platform/config.ts";
import { type RunningService, startService } from "../../services/runtime/compose.ts";
import { SANDBOX_SERVER_KEY, sampleInit } from "../support/checkout-requests.ts";
import { chromiumPresent, launchChromium, startMerchant } from "../support/e2e.ts";
import { eventually } from "../support/eventually.ts";
import { kredivo } from "../support/kredivo-http.ts";

// user/tokenize/init end to end in headless Chromium (Debian's, via playwright-core): the merchant asks for a
// tokenize_url, the buyer signs in on our tokenization page (phone, PIN, OTP) and lands back at the store,
// the merchant's callback_url receives the user_token (acknowledged with 9100), and that token then
// authenticates a 0-click checkout/init.

describe.skipIf(!chromiumPresent("tokenize.e2e"))("the tokenization page in a real browser", () => {
  let dir: string;
  let service: RunningService;
  let merchant: Awaited<ReturnType<typeof startMerchant>>;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ledger-e2e-tokenize-"));
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
    expect(httpStatus).toBe(200);
    return json as Record<string, unknown>;
  };
  const submit = (page: Page, form: string, url: RegExp | string) =>
    Promise.all([page.waitForURL(url), page.click(`${form} button[type=submit]`)]);

  it("tokenize_url → phone, PIN, OTP → back at the store → callback with user_token → 0-click", async () => {
    const clientUserKey = `e2e-${randomUUID()}`;
    const callbackUrl = `${merchant.url}/tokenize/callback`;
    const init = await post("/user/tokenize/init", {
      client_user_key: clientUserKey,
      server_key: SANDBOX_SERVER_KEY,
      callback_url: callbackUrl,
      back_to_store_url: `${merchant.url}/back`,
      signature_key: tokenizeSignatureKey({ serverKey: SANDBOX_SERVER_KEY, clientUserKey, callbackUrl }),
    });
    expect(init).toMatchObject({ status: 1, message: "success" });

    const page = await (await browser.newContext({ locale: "en-US" })).newPage();
    await page.goto(String(init.tokenize_url));
    expect(await page.textContent("h1")).toBe("Sign in to Kredivo");
    expect(await page.locator("#cancel").count()).toBe(0);
    await page.fill("#phone", SANDBOX_BUYER.phone);
    await page.fill("#pin", SANDBOX_BUYER.pin);
    await submit(page, "#sign-in", /\/kredivo\/signIn\/tokenize\?cid=/);
    expect(await page.textContent("h1")).toBe("Enter your OTP");
    await page.fill("#otp-code", SANDBOX_BUYER.otp);
    await submit(page, "#otp", `${merchant.url}/back`);
    expect(await page.textContent("h1")).toBe("Back at the store");

    // The callback, through the notifier, acknowledged by the merchant's 9100.
    const callback = await eventually("the tokenization callback", () =>
      merchant.callbacks.find((c) => c.body.includes(clientUserKey)),
    );
    const body = JSON.parse(callback.body) as Record<string, unknown>;
    expect(body).toEqual({
      client_user_key: clientUserKey,
      user_token: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: "success",
      message: "Tokenization Success",
    });
    expect(callback.headers["webhook-signature"]).toMatch(/^v1,/);

    // The page now says the account is linked.
    await page.goto(String(init.tokenize_url));
    expect(await page.textContent("h1")).toBe("Account linked");

    // The token authenticates a 0-click checkout: no 2-click checkout_url; a device it has never seen is
    // challenged with the OTP (redirect_url).
    const zeroClick = await post(
      "/checkout/init",
      sampleInit(`E2E-TKZ-${randomUUID()}`, {
        push_url: `${merchant.url}/push`,
        back_to_store_url: `${merchant.url}/back`,
        client_user_key: clientUserKey,
        user_token: body.user_token,
        device_id: "phone-1",
      }),
    );
    expect(zeroClick).toEqual({
      status: 1,
      message: "Success",
      transaction_id: expect.any(String),
      redirect_url: expect.stringContaining("/kredivo/signIn?tk="),
    });
  });
});
