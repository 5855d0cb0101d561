import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hiddenFields } from "../support/html-forms.ts";
import { pageBrowser } from "../support/page-browser.ts";
import { expectPageSecurityHeaders } from "../support/page-headers.ts";
import { type KredmintHarness, startKredmintHarness } from "./harness.ts";

// The onboarding pages' refusals through inject(): links that are not ours, posts that are not from our page,
// a mobile the link did not name. (The whole flow runs in Chromium: onboarding.e2e.test.ts.)

let h: KredmintHarness;
beforeAll(async () => {
  h = await startKredmintHarness();
});
afterAll(async () => {
  await h?.close();
});

/** One browser: cookies kept and sent back. */
const browser = () => pageBrowser(h.service.app);

async function landingUrl(mobile: string): Promise<string> {
  const res = await h.eligibility({ username: mobile, page: "profile", source: "MOS" });
  const url = new URL(res.json().payload.landingUrl);
  return `${url.pathname}${url.search}`;
}

describe("GET /kredmint/auth", () => {
  it("a landingUrl opens the mobile step (post/redirect/get) with strict headers", async () => {
    const b = browser();
    const entry = await b.request("GET", await landingUrl("9887206801"));
    expect(entry.statusCode).toBe(303);
    expect(entry.headers.location).toBe("/kredmint/auth/page");
    const page = await b.request("GET", "/kredmint/auth/page");
    expect(page.statusCode).toBe(200);
    expectPageSecurityHeaders(page.headers);
    expect(page.body).toContain('value="9887206801"');
  });

  it.each([
    ["an altered link", (url: string) => url.replace(/token=[^&]+/, "token=AAAA")],
    ["another user's id", (url: string) => url.replace(/userId=USR-[0-9]+/, "userId=USR-999999")],
    [
      "a static URL with a wrong clientToken",
      () => "/kredmint/auth?partnerId=sandbox-partner&clientToken=wrong-token-0000000",
    ],
    [
      "a partner that does not exist",
      () => "/kredmint/auth?partnerId=nobody&clientToken=sandbox-client-token-3b7d90",
    ],
  ])("refuses %s (403, nothing appended)", async (_, alter) => {
    const url = alter(await landingUrl("9887206802"));
    const head = await h.head();
    const res = await browser().request("GET", url);
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain("This link is not valid");
    expect(await h.head()).toBe(head);
  });

  it("a page without a session, and a malformed query, are refused", async () => {
    expect((await browser().request("GET", "/kredmint/auth/page")).statusCode).toBe(403);
    expect((await browser().request("GET", "/kredmint/auth?sid=x")).statusCode).toBe(400);
  });
});

describe("the forms", () => {
  it("a mobile typed on the static URL creates nobody until its OTP is passed", async () => {
    const b = browser();
    await b.request(
      "GET",
      "/kredmint/auth?partnerId=sandbox-partner&clientToken=sandbox-client-token-3b7d90",
    );
    await b.request("GET", "/kredmint/auth/page");
    const { csrf = "" } = hiddenFields(b.page);
    const before = await h.service.store.headPosition();
    expect(
      (await b.request("POST", "/kredmint/auth/mobile", { csrf, mobile: "9887206870" })).statusCode,
    ).toBe(303);
    expect((await b.request("POST", "/kredmint/auth/otp", { csrf, otp: "0000" })).statusCode).toBe(422);
    expect(await h.service.store.headPosition()).toBe(before);
    expect((await b.request("POST", "/kredmint/auth/otp", { csrf, otp: "1234" })).statusCode).toBe(303);
    expect(BigInt(await h.service.store.headPosition())).toBeGreaterThan(BigInt(before));
  });

  it("a post without this browser's CSRF token, or from another site, is 403 and changes nothing", async () => {
    const b = browser();
    await b.request("GET", await landingUrl("9887206803"));
    await b.request("GET", "/kredmint/auth/page");
    const { csrf = "" } = hiddenFields(b.page);
    const forged = await b.request("POST", "/kredmint/auth/mobile", {
      csrf: "not-the-token",
      mobile: "9887206803",
    });
    expect(forged.statusCode).toBe(403);
    const crossSite = await b.request(
      "POST",
      "/kredmint/auth/mobile",
      { csrf, mobile: "9887206803" },
      { "sec-fetch-site": "cross-site" },
    );
    expect(crossSite.statusCode).toBe(403);
    // And the OTP step was not reached.
    await b.request("GET", "/kredmint/auth/page");
    expect(b.page).toContain('id="send-otp"');
  });

  it("the link's mobile cannot be changed; a wrong OTP is 422; the right one leads to the profile", async () => {
    const b = browser();
    await b.request("GET", await landingUrl("9887206804"));
    await b.request("GET", "/kredmint/auth/page");
    const { csrf = "" } = hiddenFields(b.page);
    const other = await b.request("POST", "/kredmint/auth/mobile", { csrf, mobile: "9887206899" });
    expect(other.statusCode).toBe(422);
    expect(other.body).toContain("another mobile number");
    expect(
      (await b.request("POST", "/kredmint/auth/mobile", { csrf, mobile: "9887206804" })).statusCode,
    ).toBe(303);
    const wrong = await b.request("POST", "/kredmint/auth/otp", { csrf, otp: "9999" });
    expect(wrong.statusCode).toBe(422);
    expect((await b.request("POST", "/kredmint/auth/otp", { csrf, otp: "1234" })).statusCode).toBe(303);
    await b.request("GET", "/kredmint/auth/page");
    expect(b.page).toContain('id="save-profile"');
  });

  it("a session cookie that was altered is no session", async () => {
    const b = browser();
    await b.request("GET", await landingUrl("9887206805"));
    const session = b.jar.get("kredmint_onboarding") ?? "";
    const [body = "", signature = ""] = session.split(".");
    const claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    const forged = Buffer.from(
      JSON.stringify({ ...claims, mobile: claims.boundMobile, verified: true }),
    ).toString("base64url");
    b.jar.set("kredmint_onboarding", `${forged}.${signature}`);
    expect((await b.request("GET", "/kredmint/auth/page")).statusCode).toBe(403);
  });
});
