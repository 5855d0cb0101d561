import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPresent, launchChromium } from "../support/e2e.ts";
import { FINANCE_KEY, type FinanceHarness, OPERATOR_KEY, SANDBOX, startFinanceHarness } from "./harness.ts";

// The finance page in headless Chromium: sign in with a finance API key, read the trial balance, the daily
// close, the aging and the bank statements' exceptions, download each as CSV, sign out.

const hasChromium = chromiumPresent("finance-page.e2e");

describe.skipIf(!hasChromium)("the finance page in a real browser", () => {
  let h: FinanceHarness;
  let url: string;
  let browser: Browser;
  let page: Page;
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

  beforeAll(async () => {
    h = await startFinanceHarness();
    await h.settle(SANDBOX, 3);
    await h.settled();
    const close = await h.post(
      `/v1/recon/days/${yesterday}/close`,
      {},
      { authorization: `Bearer ${FINANCE_KEY}` },
    );
    expect(close.statusCode, close.body).toBe(201);
    const statement = await h.service.app.inject({
      method: "POST",
      url: "/v1/recon/bank-statements",
      headers: { authorization: `Bearer ${FINANCE_KEY}`, "content-type": "text/csv" },
      payload: `date,amount,currency,reference,direction\n${yesterday},777,VND,UTR-NOT-OURS,credit\n`,
    });
    expect(statement.statusCode, statement.body).toBe(201);
    url = await h.service.app.listen({ port: 0, host: "127.0.0.1" });
    browser = await launchChromium();
    page = await browser.newPage();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  const signIn = async (key: string) => {
    await page.goto(`${url}/finance`);
    expect(page.url()).toBe(`${url}/finance/login`);
    await page.fill("#key", key);
    await Promise.all([page.waitForLoadState("load"), page.click("button[type=submit]")]);
  };
  const csvOf = async () => {
    const href = await page.getAttribute("#csv", "href");
    const res = await page.request.get(`${url}${href}`);
    expect(res.headers()["content-type"]).toContain("text/csv");
    return res.text();
  };

  it("refuses a key without the finance role", async () => {
    await signIn(OPERATOR_KEY);
    expect(await page.textContent("[role=alert]")).toContain("finance role");
  });

  it("signs in, shows every report with its CSV, and signs out", async () => {
    await signIn(FINANCE_KEY);
    expect(page.url()).toBe(`${url}/finance/trial-balance`);
    expect(await page.textContent("main")).toContain("customer-receivable:sandbox-buyer");
    expect((await csvOf()).split("\r\n")[0]).toBe("account,currency,debit,credit,balance");

    await page.click("text=Daily close");
    expect(await page.textContent("h1")).toBe("Daily close");
    expect(await page.textContent("main")).toContain(yesterday);
    expect((await csvOf()).split("\r\n")[0]).toBe("day,currency,account_class,opening,debit,credit,closing");

    await page.click("text=Aging");
    expect(await page.textContent("main")).toContain("sandbox-buyer");
    expect(await csvOf()).toContain("sandbox-buyer");

    await page.click("text=Bank statements");
    expect(await page.textContent("main")).toContain("UTR-NOT-OURS");
    expect(await csvOf()).toContain("no_movement_with_reference");

    await page.click("text=Sign out");
    expect(page.url()).toBe(`${url}/finance/login`);
    await page.goto(`${url}/finance/aging`);
    expect(page.url()).toBe(`${url}/finance/login`);
  });
});
