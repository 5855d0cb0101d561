import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initSuccessResponseSchema } from "../../contracts/checkout/init.ts";
import { sampleInit } from "../support/checkout-requests.ts";
import { chromiumPresent, type E2eWorld, signIn, startE2eWorld, submit } from "../support/e2e.ts";
import { kredivo } from "../support/kredivo-http.ts";
import { ADMIN_KEY, LENDER_API_KEYS } from "./support.ts";

// A buyer onboarded by an operator sets the PIN through the one-time link in headless Chromium, then signs
// in with it on the hosted checkout page, gets the OTP from the sandbox sender (4567) and approves.

const hasChromium = chromiumPresent("pin-link.e2e");

describe.skipIf(!hasChromium)("a PIN set through its link, then used on the hosted page", () => {
  let world: E2eWorld;
  beforeAll(async () => {
    world = await startE2eWorld("ledger-e2e-pin-", { env: { API_KEYS: LENDER_API_KEYS } });
  });
  afterAll(() => world?.close());

  const admin = async (path: string, body: unknown) => {
    const res = await fetch(`${world.service.url}/v1${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(res.status, path).toBeLessThan(300);
    return (await res.json()) as Record<string, string>;
  };

  it("link → PIN set → sign in with it → OTP → approve", async () => {
    const phone = "+84912345670";
    const { userId = "" } = await admin("/buyers", { phone });
    const { url = "" } = await admin(`/buyers/${userId}/pin-link`, {});
    await admin(`/credit-lines/kredivo/${userId}/limit`, { limit: "20000000", reason: "e2e" });

    const context = await world.browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    await page.goto(url);
    expect(await page.textContent("h1")).toBe("Set your PIN");
    await page.fill("#pin", "482913");
    await page.fill("#pin-confirm", "482913");
    await page.click("#set-pin button[type=submit]");
    await expect.poll(() => page.textContent("h1")).toBe("PIN set");
    // The link is spent: opening it again and setting another PIN is refused.
    await page.goto(url);
    await page.fill("#pin", "111111");
    await page.fill("#pin-confirm", "111111");
    await page.click("#set-pin button[type=submit]");
    await expect.poll(() => page.textContent("h1")).toBe("Link no longer valid");

    const { json } = await kredivo(
      world.service.url,
      "/checkout/init",
      sampleInit(`E2E-PIN-${randomUUID()}`, {
        push_url: `${world.merchant.url}/push`,
        back_to_store_url: `${world.merchant.url}/back`,
        cancel_url: `${world.merchant.url}/cancel`,
      }),
    );
    const init = initSuccessResponseSchema.parse(json);
    await page.goto(init.checkout_url);
    await signIn(page, /\/kredivo\/signIn\?tk=/, { phone, pin: "482913" });
    expect(await page.textContent("h1")).toBe("Enter your OTP");
    await page.fill("#otp-code", "4567");
    await submit(page, "#otp", /\/kredivo\/signIn\?tk=/);
    expect(await page.textContent("h1")).toBe("Review your purchase");
    await page.check("#tenure-1");
    await submit(page, "#approve", `${world.merchant.url}/back`);
    await context.close();
  });
});
