import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenizeSignatureKey } from "../../contracts/checkout/tokenize.ts";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { SANDBOX_SERVER_KEY, sampleInit } from "../support/checkout-requests.ts";
import { chromiumPresent, type E2eWorld, kredivoOk, signIn, startE2eWorld, submit } from "../support/e2e.ts";
import { eventually } from "../support/eventually.ts";

// user/tokenize/init end to end in headless Chromium (Debian's, via playwright-core): the merchant asks for a
// tokenize_url, the buyer signs in on our tokenization page (phone, PIN, OTP) and lands back at the store,
// the merchant's callback_url receives the user_token (acknowledged with 9100), and that token then
// authenticates a 0-click checkout/init.

describe.skipIf(!chromiumPresent("tokenize.e2e"))("the tokenization page in a real browser", () => {
  let world: E2eWorld;
  beforeAll(async () => {
    world = await startE2eWorld("ledger-e2e-tokenize-");
  });
  afterAll(() => world?.close());

  const post = (path: string, body: unknown) => kredivoOk(world.service.url, path, body);

  it("tokenize_url → phone, PIN, OTP → back at the store → callback with user_token → 0-click", async () => {
    const clientUserKey = `e2e-${randomUUID()}`;
    const callbackUrl = `${world.merchant.url}/tokenize/callback`;
    const init = await post("/user/tokenize/init", {
      client_user_key: clientUserKey,
      server_key: SANDBOX_SERVER_KEY,
      callback_url: callbackUrl,
      back_to_store_url: `${world.merchant.url}/back`,
      signature_key: tokenizeSignatureKey({ serverKey: SANDBOX_SERVER_KEY, clientUserKey, callbackUrl }),
    });
    expect(init).toMatchObject({ status: 1, message: "success" });

    const page = await (await world.browser.newContext({ locale: "en-US" })).newPage();
    await page.goto(String(init.tokenize_url));
    expect(await page.textContent("h1")).toBe("Sign in to Kredivo");
    expect(await page.locator("#cancel").count()).toBe(0);
    await signIn(page, /\/kredivo\/signIn\/tokenize\?cid=/);
    expect(await page.textContent("h1")).toBe("Enter your OTP");
    await page.fill("#otp-code", SANDBOX_BUYER.otp);
    await submit(page, "#otp", `${world.merchant.url}/back`);
    expect(await page.textContent("h1")).toBe("Back at the store");

    // The callback, through the notifier, acknowledged by the merchant's 9100.
    const callback = await eventually("the tokenization callback", () =>
      world.merchant.callbacks.find((c) => c.body.includes(clientUserKey)),
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
        push_url: `${world.merchant.url}/push`,
        back_to_store_url: `${world.merchant.url}/back`,
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
