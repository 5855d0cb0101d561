import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ARTIFACTS,
  chromiumPresent,
  type E2eWorld,
  type PartnerApp,
  startE2eWorld,
  startPartnerApp,
} from "../support/e2e.ts";
import { bearer } from "../support/http.ts";
import { OPERATOR_KEY, sandboxAuth } from "./harness.ts";

// Onboarding end to end in a real browser: the partner's eligibility call gives a landingUrl; the user opens
// it in headless Chromium, passes the OTP (1234), completes the profile the partner prefilled, uploads a csv
// of monthly revenue and sees the status; an operator approves; the page shows the limit and its Continue
// leads to the partner's successDeepLink. Then the static URL (partnerId, clientToken, mobile).
// Chromium is Debian's (/usr/bin/chromium), driven by playwright-core; no browser is ever downloaded.

const hasChromium = chromiumPresent("onboarding.e2e");

const REVENUE_CSV = ["month,revenue", ...[1, 2, 3, 4, 5, 6].map((m) => `2024-0${m},100000.00`)].join("\n");

describe.skipIf(!hasChromium)("Partner API onboarding in a real browser", () => {
  let world: E2eWorld<undefined>;
  let partner: PartnerApp;

  beforeAll(async () => {
    world = await startE2eWorld("ledger-kredmint-e2e-", {
      env: { API_KEYS: `${OPERATOR_KEY}:operator` },
      merchant: false,
    });
    partner = await startPartnerApp();
  });
  afterAll(async () => {
    await partner?.close();
    await world?.close();
  });

  // biome-ignore lint/suspicious/noExplicitAny: replies are read field by field, like inject()'s json()
  const json = async (res: Response): Promise<any> => res.json();
  const api = (method: string, path: string, body: unknown, headers: Record<string, string>) =>
    fetch(`${world.service.url}${path}`, {
      method,
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  it("landingUrl → OTP → prefilled profile → upload → under review → approved → back to the partner", async () => {
    const mobile = "9887206895";
    const eligibility = await api(
      "POST",
      "/kredmint/user/eligibility",
      {
        source: "BNPL",
        username: mobile,
        page: "profile",
        successDeepLink: `${partner.url}/handler/success`,
        failureDeepLink: `${partner.url}/handler/failed`,
        backDeepLink: `${partner.url}/handler/back`,
        userContext: { fullName: "Devratna Arya", email: "", businessName: "Arya Traders", gender: "MALE" },
      },
      sandboxAuth,
    );
    expect(eligibility.status).toBe(200);
    const { landingUrl } = (await json(eligibility)).payload;
    const userId = new URL(landingUrl).searchParams.get("userId");

    const page = await world.browser.newPage();
    try {
      await page.goto(landingUrl);
      expect(await page.inputValue("#mobile")).toBe(mobile);
      expect(await page.getAttribute("#back", "href")).toBe(`${partner.url}/handler/back`);
      await page.click("#send-otp");

      await page.fill("#otp", "0000");
      await page.click("#verify-otp");
      expect(await page.textContent(".error")).toContain("not right");
      await page.fill("#otp", "1234");
      await page.click("#verify-otp");

      // The profile form, prefilled from the partner's userContext.
      expect(await page.inputValue("#fullName")).toBe("Devratna Arya");
      expect(await page.inputValue("#businessName")).toBe("Arya Traders");
      await page.fill("#email", "devratna@example.com");
      await page.fill("[id='address.city']", "Delhi");
      await page.click("#save-profile");

      // A pdf is refused on the page, the csv taken.
      await page.setInputFiles("#file", {
        name: "statement.pdf",
        mimeType: "application/pdf",
        buffer: Buffer.from("%PDF"),
      });
      await page.click("#upload");
      expect(await page.textContent(".error")).toContain("file: must be csv or json");
      await page.setInputFiles("#file", {
        name: "revenue.csv",
        mimeType: "text/csv",
        buffer: Buffer.from(REVENUE_CSV),
      });
      await page.click("#upload");
      expect(await page.getAttribute("#status", "data-state")).toBe("UnderReview");
      await page.screenshot({ path: join(ARTIFACTS, "kredmint-onboarding-under-review.png") });

      const approved = await api(
        "POST",
        `/v1/partners/sandbox-partner/users/${userId}/decision`,
        { decision: "approve", creditLimit: "100000.00" },
        bearer(OPERATOR_KEY),
      );
      expect(approved.status).toBe(200);
      await page.reload();
      expect(await page.getAttribute("#status", "data-state")).toBe("Active");
      expect(await page.textContent("#limit")).toBe("Rs 100000");
      await page.click("#continue");
      await page.waitForURL(`${partner.url}/handler/success`);
      expect(partner.hits).toContain("/handler/success");

      // The banner agrees, and the profile the user submitted is what the operator sees.
      const banner = await api(
        "POST",
        "/kredmint/user/eligibility",
        { source: "BNPL", username: mobile, page: "profile" },
        sandboxAuth,
      );
      expect((await json(banner)).payload.state).toBe("Active");
      const review = await fetch(`${world.service.url}/v1/partners/sandbox-partner/users/${userId}`, {
        headers: bearer(OPERATOR_KEY),
      });
      expect((await json(review)).profile).toMatchObject({
        fullName: "Devratna Arya",
        email: "devratna@example.com",
        "address.city": "Delhi",
      });
    } finally {
      await page.close();
    }
  });

  it("the static URL (partnerId, clientToken, mobile) opens onboarding for a new user; a wrong clientToken does not", async () => {
    const page = await world.browser.newPage();
    try {
      const wrong = await page.goto(
        `${world.service.url}/kredmint/auth?partnerId=sandbox-partner&clientToken=not-the-token-000000&mobile=9819413273`,
      );
      expect(wrong?.status()).toBe(403);
      await page.goto(
        `${world.service.url}/kredmint/auth?partnerId=sandbox-partner&clientToken=sandbox-client-token-3b7d90&mobile=9819413273`,
      );
      expect(await page.inputValue("#mobile")).toBe("9819413273");
      await page.click("#send-otp");
      await page.fill("#otp", "1234");
      await page.click("#verify-otp");
      expect(await page.inputValue("#fullName")).toBe("");
      // The user exists now, as if the partner had asked eligibility.
      const banner = await api(
        "POST",
        "/kredmint/user/eligibility",
        { source: "MOS", username: "9819413273", page: "profile" },
        sandboxAuth,
      );
      expect((await json(banner)).payload.state).toBe("IncompleteProfile");
    } finally {
      await page.close();
    }
  });
});
