import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenizeSignatureKey } from "../../contracts/checkout/tokenize.ts";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { type CheckoutHarness, startCheckoutHarness } from "../checkout/harness.ts";
import { browser } from "../checkout/hosted-page-support.ts";
import { nextOrder, SANDBOX_SERVER_KEY, sampleInit } from "../support/checkout-requests.ts";
import { eventually } from "../support/eventually.ts";
import { bearer } from "../support/http.ts";
import { BusinessClock } from "../support/money-flows.ts";
import { multipartBody } from "../support/multipart.ts";
import { submitPinLink } from "../support/pin-link.ts";

// Issue 14 item 5, "signed URLs that expire (tested after expiry)": every link the service hands out works
// before its expiry and is refused after it, with the app's clock moved on (composeService's `now`), never
// by sleeping. The links: a checkout's checkout_url (`/kredivo/signIn?tk=…`, CHECKOUT_EXPIRY_SECONDS), a
// tokenize_url (the same expiry), a buyer's PIN link (`ttlSeconds`), a Partner API landingUrl
// (KREDMINT_LINK_TTL_SECONDS) and a document's signed url (24 h, the seed's urlExpiryDate).

const ADMIN_KEY = "link-expiry-admin-key-0123";
const EXPIRY_SECONDS = 600;
const LINK_TTL_SECONDS = 3600;
const PARTNER_AUTH = {
  authorization: `Basic ${Buffer.from("sandbox-partner:sandbox-partner-secret-5e8a1c").toString("base64")}`,
};
const clock = new BusinessClock();
let h: CheckoutHarness;

beforeAll(async () => {
  h = await startCheckoutHarness({
    now: clock.now,
    env: {
      CHECKOUT_EXPIRY_SECONDS: String(EXPIRY_SECONDS),
      KREDMINT_LINK_TTL_SECONDS: String(LINK_TTL_SECONDS),
      API_KEYS: `${ADMIN_KEY}:admin|operator`,
    },
  });
});
afterAll(async () => {
  await h?.close();
});

const pathOf = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};
const get = (url: string) => h.app.inject({ method: "GET", url: pathOf(url) });

describe("a checkout's checkout_url", () => {
  it("opens the page until the checkout expires; after it, the page answers that it expired and offers no form", async () => {
    const res = await h.post("/checkout/init", sampleInit(nextOrder("EXP")));
    const url = String((res.json() as { checkout_url: string }).checkout_url);
    expect(new URL(url).searchParams.get("tk")).toBeTruthy();
    expect((await get(url)).body).toContain('id="sign-in"');
    await clock.ahead(EXPIRY_SECONDS * 1000 + 1000, async () => {
      // Past its expiry the checkout can no longer be approved (expiry_must_not_have_passed); the timer
      // sweep (on the same clock) records Expired, and from then on the page says so.
      await eventually("the timer sweep to expire the checkout", async () =>
        (await get(url)).body.includes('data-kind="expired"') ? true : undefined,
      );
      const late = (await get(url)).body;
      expect(late).not.toContain('id="sign-in"');
      expect(late).not.toContain('id="approve"');
    });
  });
});

describe("a tokenize_url", () => {
  it("refuses its sign-in step once its tokenization expired", async () => {
    const clientUserKey = `expiry-${randomUUID()}`;
    const callbackUrl = "https://api-merchant.io/tokenize/callback";
    const res = await h.post("/user/tokenize/init", {
      client_user_key: clientUserKey,
      server_key: SANDBOX_SERVER_KEY,
      callback_url: callbackUrl,
      back_to_store_url: "https://api-merchant.io/user/tokenize",
      signature_key: tokenizeSignatureKey({ serverKey: SANDBOX_SERVER_KEY, clientUserKey, callbackUrl }),
    });
    const url = String((res.json() as { tokenize_url: string }).tokenize_url);
    const b = browser(h.app);
    expect((await b.get(pathOf(url))).statusCode).toBe(200);
    const late = await clock.ahead(EXPIRY_SECONDS * 1000 + 1000, () =>
      b.submit("sign-in", { phone: SANDBOX_BUYER.phone, pin: SANDBOX_BUYER.pin }),
    );
    expect(late.statusCode).toBe(410);
  });
});

describe("a buyer's PIN link", () => {
  it("sets a PIN before its expiresAt, and answers 410 after it", async () => {
    const admin = (url: string, body: unknown) =>
      h.app.inject({
        method: "POST",
        url,
        headers: { ...bearer(ADMIN_KEY), "content-type": "application/json" },
        payload: JSON.stringify(body),
      });
    const phone = `0812${String(Date.now()).slice(-8)}`;
    const buyer = (await admin("/v1/buyers", { phone })).json<{ userId: string }>();
    const issue = () => admin(`/v1/buyers/${buyer.userId}/pin-link`, {});
    const expired = (await issue()).json<{ url: string; expiresAt: string }>();
    const ttlMs = Date.parse(expired.expiresAt) - clock.now().getTime();
    expect(ttlMs).toBeGreaterThan(0);
    const late = await clock.ahead(ttlMs + 1000, () => submitPinLink(h.app, expired.url, "135790"));
    expect(late.statusCode).toBe(410);
    const fresh = (await issue()).json<{ url: string }>();
    expect((await submitPinLink(h.app, fresh.url, "135790")).statusCode).toBe(200);
  });
});

describe("the Partner API's links", () => {
  const eligibility = async (mobile: string) => {
    const res = await h.app.inject({
      method: "POST",
      url: "/kredmint/user/eligibility",
      headers: { ...PARTNER_AUTH, "content-type": "application/json" },
      payload: JSON.stringify({ username: mobile, page: "profile", source: "MOS" }),
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().payload as { landingUrl: string };
  };

  it("a landingUrl opens onboarding until KREDMINT_LINK_TTL_SECONDS, then is refused (403)", async () => {
    const { landingUrl } = await eligibility("9887200001");
    const late = await clock.ahead(LINK_TTL_SECONDS * 1000 + 1000, () => get(landingUrl));
    expect(late.statusCode).toBe(403);
    expect(late.body).toContain("This link is not valid");
    expect((await get(landingUrl)).statusCode).toBe(303);
  });

  it("a document's signed url serves the file until urlExpiryDate, then is refused (403)", async () => {
    const mobile = "9887200002";
    await eligibility(mobile);
    const { payload, contentType } = multipartBody(
      { docType: "FINANCIAL_DATA", username: mobile },
      {
        file: {
          filename: "revenue.csv",
          contentType: "text/csv",
          content: "month,revenue\n2024-01,100000.00",
        },
      },
    );
    const upload = await h.app.inject({
      method: "POST",
      url: "/kredmint/user/document/upload",
      headers: { ...PARTNER_AUTH, "content-type": contentType },
      payload,
    });
    expect(upload.statusCode, upload.body).toBe(200);
    const { url, urlExpiryDate } = upload.json().payload as { url: string; urlExpiryDate: number };
    expect((await get(url)).statusCode).toBe(200);
    const late = await clock.ahead(urlExpiryDate - clock.now().getTime() + 1000, () => get(url));
    expect(late.statusCode).toBe(403);
    expect(late.json().error.code).toBe(403);
  });
});
