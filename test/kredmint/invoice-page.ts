import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { expect } from "vitest";
import { hiddenFields } from "../support/html-forms.ts";
import { pageBrowser } from "../support/page-browser.ts";

/**
 * The user's side of an invoice paid by credit: opens the banner's landingUrl, passes the OTP and confirms the
 * invoice on the landing page; answers the disbursal's id.
 */
export async function confirmInvoiceOnPage(
  app: { inject(options: InjectOptions): Promise<LightMyRequestResponse> },
  landingUrl: string,
): Promise<string> {
  const b = pageBrowser(app);
  const url = new URL(landingUrl);
  await b.request("GET", `${url.pathname}${url.search}`);
  await b.request("GET", "/kredmint/auth/page");
  const mobile = /id="mobile" name="mobile"[^>]*value="([0-9]+)"/.exec(b.page)?.[1] ?? "";
  await b.request("POST", "/kredmint/auth/mobile", { ...hiddenFields(b.page), mobile });
  await b.request("GET", "/kredmint/auth/page");
  await b.request("POST", "/kredmint/auth/otp", { ...hiddenFields(b.page), otp: "1234" });
  await b.request("GET", "/kredmint/auth/page");
  expect(b.page).toContain('id="confirm-invoice"');
  const confirm = await b.request("POST", "/kredmint/auth/invoice", hiddenFields(b.page));
  expect(confirm.statusCode).toBe(303);
  await b.request("GET", "/kredmint/auth/page");
  const id = /data-status="Initiated">Invoice (IN-[0-9]+)/.exec(b.page)?.[1];
  expect(id, b.page).toBeDefined();
  return id ?? "";
}
