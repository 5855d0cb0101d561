import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ARTIFACTS,
  chromiumPresent,
  launchChromium,
  type PartnerApp,
  startPartnerApp,
} from "../support/e2e.ts";
import { bearer } from "../support/http.ts";
import { freePort } from "../support/service-process.ts";
import { activeUser } from "./active-user.ts";
import { type KredmintHarness, OPERATOR_KEY, startKredmintHarness } from "./harness.ts";

// Confirming an invoice end to end in a real browser: the partner's eligibility call (page payment) gives a
// landingUrl; the Active user opens it in headless Chromium, passes the OTP (1234), sees the invoice with its
// amount and the available credit, pays it by credit (the hold), and after the operator's moves sees it Paid
// and continues to the partner's successDeepLink.

const hasChromium = chromiumPresent("invoice.e2e");

describe.skipIf(!hasChromium)("confirming an invoice in a real browser", () => {
  let h: KredmintHarness;
  let browser: Browser;
  let partner: PartnerApp;

  beforeAll(async () => {
    const port = await freePort();
    h = await startKredmintHarness({
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      API_KEYS: `${OPERATOR_KEY}:operator`,
    });
    await h.service.app.listen({ port, host: "127.0.0.1" });
    partner = await startPartnerApp();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await partner?.close();
    await h?.close();
  });

  it("landingUrl → OTP → the invoice → pay by credit → Initiated → (operator) Paid → back to the partner", async () => {
    const { mobile } = await activeUser(h, "9887206895");
    const banner = await h.eligibility(
      `{"source":"BNPL","username":"${mobile}","page":"payment","invoiceNumber":"5435323121","paymentDate":1715327098489,"amount":1000.5,"failureDeepLink":"${partner.url}/handler/failed","successDeepLink":"${partner.url}/handler/success","backDeepLink":"${partner.url}/handler/back"}`,
    );
    expect(banner.statusCode, banner.body).toBe(200);
    const { landingUrl, landingType } = banner.json().payload;
    expect(landingType).toBe("INVOICE");

    const page = await browser.newPage();
    try {
      await page.goto(landingUrl);
      expect(await page.inputValue("#mobile")).toBe(mobile);
      await page.click("#send-otp");
      await page.fill("#otp", "1234");
      await page.click("#verify-otp");

      expect(await page.textContent("#invoice-number")).toBe("5435323121");
      expect(await page.textContent("#amount")).toBe("Rs 1000.5");
      expect(await page.textContent("#available")).toBe("Rs 100000");
      await page.screenshot({ path: join(ARTIFACTS, "kredmint-invoice-confirm.png") });
      await page.click("#confirm-invoice");
      expect(await page.getAttribute("#invoice-status", "data-status")).toBe("Initiated");
      const heading = (await page.textContent("#invoice-status")) ?? "";
      const id = /IN-[0-9]+/.exec(heading)?.[0] ?? "";
      expect(id).not.toBe("");

      // The credit is held: the partner's banner shows it.
      const held = await h.eligibility(
        `{"source":"BNPL","username":"${mobile}","page":"payment","invoiceNumber":"5435323121","paymentDate":1715327098489,"amount":1000.5}`,
      );
      expect(held.body).toContain('"availableCreditLimit":98999.5');

      for (const move of [{ move: "verify" }, { move: "approve" }, { move: "pay", utr: "UTR123456" }]) {
        const res = await h.service.app.inject({
          method: "POST",
          url: `/v1/partners/sandbox-partner/disbursals/${id}/moves`,
          headers: { ...bearer(OPERATOR_KEY), "content-type": "application/json" },
          payload: JSON.stringify(move),
        });
        expect(res.statusCode, res.body).toBe(200);
      }
      await page.reload();
      expect(await page.getAttribute("#invoice-status", "data-status")).toBe("Paid");
      await page.screenshot({ path: join(ARTIFACTS, "kredmint-invoice-paid.png") });
      await page.click("#continue");
      await page.waitForURL(`${partner.url}/handler/success`);
      expect(partner.hits).toContain("/handler/success");
    } finally {
      await page.close();
    }
  });
});
