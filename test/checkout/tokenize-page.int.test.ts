import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenizeSignatureKey } from "../../contracts/checkout/tokenize.ts";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { MAX_FAILED_AUTH_ATTEMPTS } from "../../services/ledger/checkout/checkout.decider.ts";
import { SANDBOX_SERVER_KEY } from "../support/checkout-requests.ts";
import { BusinessClock } from "../support/money-flows.ts";
import { type CheckoutHarness, startCheckoutHarness } from "./harness.ts";
import { browser } from "./hosted-page-support.ts";

// The tokenization page through inject(): each step's answers (the forms, 303s, 422 with the attempts
// left, 403 for a forged post, 404 for an unknown link, 410 for an expired one), and back to the store
// whatever the outcome. The happy path in a real browser: tokenize.e2e.test.ts.

const BACK = "https://api-merchant.io/user/tokenize";
const clock = new BusinessClock();
let h: CheckoutHarness;

beforeAll(async () => {
  h = await startCheckoutHarness({ now: clock.now, env: { CHECKOUT_EXPIRY_SECONDS: "600" } });
});
afterAll(async () => {
  await h?.close();
});

/** A new tokenization's page path (`/kredivo/signIn/tokenize?cid=…`). */
async function tokenizePath(): Promise<string> {
  const clientUserKey = `page-${randomUUID()}`;
  const callbackUrl = "https://api-merchant.io/tokenize/callback";
  const res = await h.post("/user/tokenize/init", {
    client_user_key: clientUserKey,
    server_key: SANDBOX_SERVER_KEY,
    callback_url: callbackUrl,
    back_to_store_url: BACK,
    signature_key: tokenizeSignatureKey({ serverKey: SANDBOX_SERVER_KEY, clientUserKey, callbackUrl }),
  });
  const url = new URL(String((res.json() as { tokenize_url: string }).tokenize_url));
  return `${url.pathname}${url.search}`;
}

describe("the tokenization page", () => {
  it("sign-in form, then the OTP form, then back to the store; opened again, the account is linked", async () => {
    const path = await tokenizePath();
    const b = browser(h.app);
    const first = await b.get(path);
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('id="sign-in"');
    expect(first.body).not.toContain('id="cancel"');
    expect(first.body).toContain("link your Kredivo account");
    const signedIn = await b.submit("sign-in", { phone: SANDBOX_BUYER.phone, pin: SANDBOX_BUYER.pin });
    expect(signedIn.statusCode).toBe(303);
    expect(String(signedIn.headers.location)).toContain("/kredivo/signIn/tokenize?cid=");
    expect((await b.get(path)).body).toContain('id="otp"');
    const verified = await b.submit("otp", { otp: SANDBOX_BUYER.otp });
    expect(verified.statusCode).toBe(303);
    expect(verified.headers.location).toBe(BACK);
    const again = await b.get(path);
    expect(again.body).toContain('data-kind="tokenized"');
    expect(again.body).toContain(BACK);
  });

  it("a wrong PIN says how many attempts are left; the last wrong OTP ends it and goes back to the store", async () => {
    const path = await tokenizePath();
    const b = browser(h.app);
    await b.get(path);
    const wrong = await b.submit("sign-in", { phone: SANDBOX_BUYER.phone, pin: "000000" });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.body).toContain(`${MAX_FAILED_AUTH_ATTEMPTS - 1} attempts left`);
    expect((await b.submit("sign-in", { phone: "", pin: "" })).statusCode).toBe(422);
    await b.submit("sign-in", { phone: SANDBOX_BUYER.phone, pin: SANDBOX_BUYER.pin });
    await b.get(path);
    let last = await b.submit("otp", { otp: "0000" });
    for (let left = MAX_FAILED_AUTH_ATTEMPTS - 2; left > 0; left--) {
      expect(last.statusCode).toBe(422);
      last = await b.submit("otp", { otp: "0000" });
    }
    expect(last.statusCode).toBe(303);
    expect(last.headers.location).toBe(BACK);
    expect((await b.get(path)).body).toContain('data-kind="max_otp_attempt"');
  });

  it("refuses a post from elsewhere (403), the OTP before sign-in goes to the current step", async () => {
    const path = await tokenizePath();
    const b = browser(h.app);
    await b.get(path);
    expect((await b.submit("sign-in", { phone: "1", pin: "1" }, { omitCsrf: true })).statusCode).toBe(403);
    const id = new URLSearchParams(path.split("?")[1]).get("cid");
    const early = await b.post(`/kredivo/signIn/tokenize/${id}/otp`, { otp: "4567", csrf: "x" });
    expect(early.statusCode).toBe(403);
    const other = browser(h.app);
    await other.get(path);
    const csrf = other.jar.header()?.match(/kredivo_csrf_[^=]+=([^;]+)/)?.[1] ?? "";
    const outOfTurn = await other.post(`/kredivo/signIn/tokenize/${id}/otp`, { otp: "4567", csrf });
    expect(outOfTurn.statusCode).toBe(303);
    expect(String(outOfTurn.headers.location)).toContain(`cid=${id}`);
  });

  it("an unknown link is 404; an expired one refuses the step with 410", async () => {
    expect((await browser(h.app).get(`/kredivo/signIn/tokenize?cid=${randomUUID()}`)).statusCode).toBe(404);
    expect((await browser(h.app).get("/kredivo/signIn/tokenize?cid=not-ours")).statusCode).toBe(404);
    const path = await tokenizePath();
    const b = browser(h.app);
    await b.get(path);
    const late = await clock.ahead(601_000, () =>
      b.submit("sign-in", { phone: SANDBOX_BUYER.phone, pin: SANDBOX_BUYER.pin }),
    );
    expect(late.statusCode).toBe(410);
    expect(late.body).toContain('data-kind="expired"');
  });
});
