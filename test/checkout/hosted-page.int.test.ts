import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { expectPageSecurityHeaders } from "../support/page-headers.ts";
import { browser, type HostedPageHarness, pageUrl, startHostedPageHarness } from "./hosted-page-support.ts";

// The hosted checkout page (seed 001 "2-click Checkout") driven like a browser through inject(): forms are
// filled from the page's own hidden fields and cookies go back as a browser sends them.

describe("the hosted checkout page", () => {
  let h: HostedPageHarness;

  beforeAll(async () => {
    h = await startHostedPageHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const signIn = (b: ReturnType<typeof browser>, pin: string = SANDBOX_BUYER.pin) =>
    b.submit("sign-in", { phone: SANDBOX_BUYER.phone, pin });

  /** A browser that has signed in and entered the OTP: the page shows the order summary. */
  async function verifiedBrowser(tx: string) {
    const b = browser(h.app);
    await b.get(pageUrl(tx));
    expect((await signIn(b)).statusCode).toBe(303);
    await b.get(pageUrl(tx));
    expect((await b.submit("otp", { otp: SANDBOX_BUYER.otp })).statusCode).toBe(303);
    const summary = await b.get(pageUrl(tx));
    expect(summary.body).toContain('id="approve"');
    return b;
  }

  it("shows the sign-in step with the order and its amount in VND, with safe headers", async () => {
    const tx = await h.init();
    const b = browser(h.app);
    const page = await b.get(pageUrl(tx));
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["cache-control"]).toBe("no-store");
    expectPageSecurityHeaders(page.headers);
    expect(page.body).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page.body).toContain("Sign in to Kredivo");
    expect(page.body).toContain("6.505.000 ₫");
    expect(page.body).toContain('name="phone"');
    expect(page.body).toContain('name="pin"');
    // The CSRF cookie: HttpOnly, SameSite=Lax, scoped to this transaction and the page's path.
    expect(page.setCookies).toHaveLength(1);
    expect(page.setCookies[0]).toMatch(
      new RegExp(
        `^kredivo_csrf_${tx}=[A-Za-z0-9_-]+; Path=/kredivo/signIn; HttpOnly; SameSite=Lax; Max-Age=\\d+$`,
      ),
    );
  });

  it("answers a wrong PIN with the form, an error and the attempts left, changing nothing but the counter", async () => {
    const tx = await h.init();
    const before = (await h.checkout.page(tx)).state;
    const b = browser(h.app);
    await b.get(pageUrl(tx));
    const wrong = await signIn(b, "000000");
    expect(wrong.statusCode).toBe(422);
    expect(wrong.body).toContain("Wrong phone number or PIN. 4 attempts left.");
    expect(wrong.body).toContain('id="sign-in"');
    expect(wrong.body).toContain(`value="${SANDBOX_BUYER.phone}"`); // the phone is kept, the PIN is not
    expect(wrong.setCookies.some((c) => c.startsWith("kredivo_session_"))).toBe(false);
    const after = (await h.checkout.page(tx)).state;
    expect(after).toEqual({ ...before, failedAuthAttempts: 1 });

    // An empty form is not an attempt.
    const empty = await b.submit("sign-in", { phone: "", pin: "" });
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain("Enter your phone number and PIN.");
    expect((await h.checkout.page(tx)).state.failedAuthAttempts).toBe(1);
  });

  it("locks the checkout after five wrong tries, and stays locked for the right PIN", async () => {
    const tx = await h.init();
    const b = browser(h.app);
    await b.get(pageUrl(tx));
    for (let left = 4; left >= 1; left--) {
      const res = await signIn(b, "111111");
      expect(res.body).toContain(`${left} ${left === 1 ? "attempt" : "attempts"} left`);
    }
    const fifth = await signIn(b, "111111");
    expect(fifth.statusCode).toBe(200);
    expect(fifth.body).toContain("Checkout locked");
    expect(fifth.body).not.toContain('id="sign-in"');
    expect(fifth.body).toContain('href="https://successtransaction.com/"');
    expect((await h.checkout.page(tx)).state).toMatchObject({ phase: "denied", failedAuthAttempts: 5 });

    const right = await b.post(`/kredivo/signIn/${tx}/credentials`, {
      csrf: b.jar.get(`kredivo_csrf_${tx}`)!,
      phone: SANDBOX_BUYER.phone,
      pin: SANDBOX_BUYER.pin,
    });
    expect(right.statusCode).toBe(303);
    const page = await b.get(pageUrl(tx));
    expect(page.body).toContain("Checkout locked");
    expect((await h.checkout.page(tx)).state.phase).toBe("denied");
  });

  it("signs in into an HttpOnly session cookie, asks for the OTP and counts a wrong one", async () => {
    const tx = await h.init();
    const b = browser(h.app);
    await b.get(pageUrl(tx));
    const signedIn = await signIn(b);
    expect(signedIn.statusCode).toBe(303);
    expect(signedIn.headers.location).toBe(`/kredivo/signIn?tk=${tx}&lang=en`);
    const session = signedIn.setCookies.find((c) => c.startsWith(`kredivo_session_${tx}=`));
    expect(session).toMatch(/; Path=\/kredivo\/signIn; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    expect((await h.checkout.page(tx)).state.phase).toBe("signed_in");

    const otpPage = await b.get(pageUrl(tx));
    expect(otpPage.body).toContain("Enter your OTP");
    const wrong = await b.submit("otp", { otp: "9999" });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.body).toContain("Wrong code. 4 attempts left.");
    expect((await h.checkout.page(tx)).state).toMatchObject({ phase: "signed_in", failedAuthAttempts: 1 });

    const right = await b.submit("otp", { otp: SANDBOX_BUYER.otp });
    expect(right.statusCode).toBe(303);
    expect((await h.checkout.page(tx)).state.phase).toBe("otp_verified");

    // Another browser without the cookie sees the sign-in step, not this buyer's summary.
    const stranger = await browser(h.app).get(pageUrl(tx));
    expect(stranger.body).toContain('id="sign-in"');
    expect(stranger.body).not.toContain('id="approve"');
  });

  it("shows the items and the tenures with their monthly instalment, and approves tenure 3 → 303 to the store", async () => {
    const tx = await h.init();
    const b = await verifiedBrowser(tx);
    const summary = b.lastPage();
    for (const name of ["iPhone 5S", "Hailee Sneakers Blink Silver", "Tax Fee", "Shipping Fee", "Discount"]) {
      expect(summary).toContain(name);
    }
    expect(summary).toContain("-5.000 ₫"); // the discount is taken off
    const options = await h.checkout.tenureOptions(tx);
    for (const option of options) {
      expect(option.eligible).toBe(true);
      expect(summary).toContain(`value="${option.terms.tenure}"`);
      expect(summary).toContain(
        `${option.terms.monthlyInstallmentMinor.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".")} ₫`,
      );
    }
    expect(summary).toMatch(/value="1" checked/); // the merchant's tenure is preselected

    const approved = await b.submit("approve", { tenure: "3" });
    expect(approved.statusCode).toBe(303);
    expect(approved.headers.location).toBe("https://successtransaction.com");
    // Both cookies are dropped once the checkout is done.
    expect(approved.setCookies.every((c) => /Max-Age=0/.test(c))).toBe(true);
    expect(b.jar.size).toBe(0);
    const { state } = await h.checkout.page(tx);
    expect(state).toMatchObject({ phase: "pending", tenure: 3 });

    const after = await b.get(pageUrl(tx));
    expect(after.body).toContain("Purchase approved");
    expect(after.body).not.toContain("<form");
  });

  it("cancels → 303 to cancel_url (or back_to_store_url without one) and the checkout is aborted", async () => {
    const tx = await h.init();
    const b = browser(h.app);
    await b.get(pageUrl(tx));
    const cancelled = await b.submit("cancel");
    expect(cancelled.statusCode).toBe(303);
    expect(cancelled.headers.location).toBe("https://cancel.com");
    expect((await h.checkout.page(tx)).state.phase).toBe("aborted");
    expect((await b.get(pageUrl(tx))).body).toContain("Checkout cancelled");

    const noCancelUrl = await h.init({ cancel_url: undefined });
    const c = await verifiedBrowser(noCancelUrl);
    const back = await c.submit("cancel");
    expect(back.statusCode).toBe(303);
    expect(back.headers.location).toBe("https://successtransaction.com");
    expect((await h.checkout.page(noCancelUrl)).state.phase).toBe("aborted");
  });

  it("escapes every merchant-supplied text", async () => {
    const name = `<script>alert("x")</script>`;
    const tx = await h.init({
      amount: 1_000_000,
      order_id: `"><img src=x onerror=alert(1)>-${Date.now()}`,
      items: [
        { id: "SKU-1", name, price: 1_000_000, type: "t", url: "https://merchant.example/p", quantity: 1 },
      ],
    });
    const b = await verifiedBrowser(tx);
    const page = b.lastPage();
    expect(page).not.toContain("<script");
    expect(page).not.toContain("<img");
    expect(page).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(page).toContain("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
  });

  it("shows tenures the limits do not allow as disabled, with the reason in words", async () => {
    const tx = await h.init({
      amount: 500_000,
      tenure: 1,
      items: [
        {
          id: "SKU-1",
          name: "Case",
          price: 500_000,
          type: "t",
          url: "https://merchant.example/p",
          quantity: 1,
        },
      ],
    });
    const page = (await verifiedBrowser(tx)).lastPage();
    expect(page).toMatch(/value="1" checked>/);
    for (const tenure of [3, 6, 12]) expect(page).toContain(`value="${tenure}" disabled>`);
    expect(page.match(/Only for orders of 700\.000 ₫ or more/g)).toHaveLength(3);
  });

  it("says so when the credit line refuses the approval, with a link back to the store", async () => {
    // Above the sandbox buyer's 100,000,000 limit on every tenure: nothing can be chosen.
    const amount = 150_000_000;
    const tx = await h.init({
      amount,
      items: [
        {
          id: "SKU-1",
          name: "Car",
          price: amount,
          type: "t",
          url: "https://merchant.example/p",
          quantity: 1,
        },
      ],
    });
    const b = await verifiedBrowser(tx);
    expect(b.lastPage()).toContain("Your available limit does not cover this order");
    expect(b.lastPage()).toMatch(/<button type="submit" class="primary" disabled>/);
    // A forged post of a disabled tenure is decided by the ledger: denied.
    const denied = await b.submit("approve", { tenure: "1" });
    expect(denied.statusCode).toBe(200);
    expect(denied.body).toContain("Purchase not approved");
    expect(denied.body).toContain("Your available limit does not cover this order.");
    expect(denied.body).toContain('href="https://successtransaction.com/"');
    expect((await h.checkout.page(tx)).state.phase).toBe("denied");
  });

  it("refuses posts without this browser's CSRF token, from another origin or another site", async () => {
    const tx = await h.init();
    const b = browser(h.app);
    await b.get(pageUrl(tx));
    const before = (await h.checkout.page(tx)).state;

    const noToken = await b.submit(
      "sign-in",
      { phone: SANDBOX_BUYER.phone, pin: SANDBOX_BUYER.pin },
      { omitCsrf: true },
    );
    expect(noToken.statusCode).toBe(403);
    expect(noToken.body).toContain("Request refused");
    const cancelNoToken = await b.post(`/kredivo/signIn/${tx}/cancel`, { lang: "en" });
    expect(cancelNoToken.statusCode).toBe(403);

    const form = {
      csrf: b.jar.get(`kredivo_csrf_${tx}`)!,
      phone: SANDBOX_BUYER.phone,
      pin: SANDBOX_BUYER.pin,
    };
    const evilOrigin = browser(h.app, { origin: "https://evil.example" });
    for (const [k, v] of b.jar) evilOrigin.jar.set(k, v);
    expect((await evilOrigin.post(`/kredivo/signIn/${tx}/credentials`, form)).statusCode).toBe(403);
    const crossSite = browser(h.app, { "sec-fetch-site": "cross-site" });
    for (const [k, v] of b.jar) crossSite.jar.set(k, v);
    expect((await crossSite.post(`/kredivo/signIn/${tx}/credentials`, form)).statusCode).toBe(403);
    // A token without its cookie (a cross-site post never carries the SameSite=Lax cookie).
    expect((await browser(h.app).post(`/kredivo/signIn/${tx}/credentials`, form)).statusCode).toBe(403);

    expect((await h.checkout.page(tx)).state).toEqual(before);

    // The same origin is fine.
    const sameOrigin = browser(h.app, { origin: "http://localhost:80", "sec-fetch-site": "same-origin" });
    for (const [k, v] of b.jar) sameOrigin.jar.set(k, v);
    expect((await sameOrigin.post(`/kredivo/signIn/${tx}/credentials`, form)).statusCode).toBe(303);
  });

  it("checks the session cookie on every step after sign-in", async () => {
    const tx = await h.init();
    const b = await verifiedBrowser(tx);
    // A second browser signs in: the first one's session is over.
    const other = browser(h.app);
    await other.get(pageUrl(tx));
    await signIn(other);
    const stale = await b.submit("approve", { tenure: "3" });
    expect(stale.statusCode).toBe(303);
    const again = await b.get(pageUrl(tx));
    expect(again.body).toContain("Your session has ended. Please sign in again.");
    expect((await h.checkout.page(tx)).state.phase).toBe("signed_in");

    // Without a session cookie, the CSRF token alone cannot verify an OTP or approve.
    const intruder = browser(h.app);
    await intruder.get(pageUrl(tx));
    const csrf = intruder.jar.get(`kredivo_csrf_${tx}`)!;
    const otp = await intruder.post(`/kredivo/signIn/${tx}/otp`, { csrf, otp: SANDBOX_BUYER.otp });
    expect(otp.statusCode).toBe(303);
    const approve = await intruder.post(`/kredivo/signIn/${tx}/approve`, { csrf, tenure: "1" });
    expect(approve.statusCode).toBe(303);
    // ... nor cancel a checkout someone has signed in to.
    const cancel = await intruder.post(`/kredivo/signIn/${tx}/cancel`, { csrf });
    expect(cancel.statusCode).toBe(303);
    expect(cancel.headers.location).toBe(`/kredivo/signIn?tk=${tx}&lang=en`);
    expect((await h.checkout.page(tx)).state).toMatchObject({ phase: "signed_in", failedAuthAttempts: 0 });
  });

  it("speaks Vietnamese with ?lang=vi or Accept-Language, and keeps the language through the forms", async () => {
    const tx = await h.init();
    const vi = await browser(h.app).get(pageUrl(tx, "&lang=vi"));
    expect(vi.body).toContain('<html lang="vi">');
    expect(vi.body).toContain("Đăng nhập Kredivo");
    expect(vi.body).toContain(`href="/kredivo/signIn?tk=${tx}&amp;lang=en"`);

    // The form carries the language: the answer to a post is in it, and so is the next page.
    const chosen = browser(h.app);
    await chosen.get(pageUrl(tx, "&lang=vi"));
    const wrong = await signIn(chosen, "000000");
    expect(wrong.body).toContain("Số điện thoại hoặc mã PIN không đúng. Còn 4 lần thử.");
    const right = await signIn(chosen);
    expect(right.headers.location).toBe(`/kredivo/signIn?tk=${tx}&lang=vi`);
    expect((await chosen.get(String(right.headers.location))).body).toContain("Nhập mã OTP");

    const b = browser(h.app, { "accept-language": "vi-VN,vi;q=0.9,en;q=0.8" });
    const page = await b.get(pageUrl(tx));
    expect(page.body).toContain("Số điện thoại");

    const en = await browser(h.app, { "accept-language": "fr-FR,en;q=0.5" }).get(pageUrl(tx));
    expect(en.body).toContain('<html lang="en">');
  });

  it("answers an unknown or malformed link with an HTML page", async () => {
    const unknown = await browser(h.app).get(pageUrl("00000000-0000-5000-8000-000000000000"));
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(unknown.body).toContain("Checkout not found");

    const missing = await browser(h.app).get("/kredivo/signIn");
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain("Invalid request");
    const bad = await browser(h.app).get("/kredivo/signIn?tk=%3Cscript%3E");
    expect(bad.statusCode).toBe(400);
    expect(bad.body).not.toContain("<script>");

    const json = await h.app.inject({
      method: "POST",
      url: "/kredivo/signIn/00000000-0000-5000-8000-000000000000/credentials",
      headers: { "content-type": "application/json" },
      payload: "{}",
    });
    expect(json.statusCode).toBe(415);
    expect(json.headers["content-type"]).toBe("text/html; charset=utf-8");
  });
});
