import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { CookieJar, formAction, hiddenFields } from "./html-forms.ts";

// The buyer's side of the hosted checkout page over real HTTP, shared by the lifecycle, restart and
// production-shape tests.

/**
 * A browser over real HTTP: keeps the cookies the hosted page sets (Max-Age=0 deletes), sends them back,
 * fills a form from the last page's hidden fields, and does not follow redirects.
 */
export class HttpBrowser {
  readonly #jar = new CookieJar();
  #last = "";
  #lastUrl = "";

  async get(url: string): Promise<{ status: number; body: string; location: string | null }> {
    return this.#request("GET", url);
  }

  /** Posts the form `formId` of the last page with its hidden fields plus `fields`. */
  async submit(formId: string, fields: Record<string, string> = {}) {
    const action = new URL(formAction(this.#last, formId), this.#lastUrl).toString();
    return this.#request("POST", action, { ...hiddenFields(this.#last), ...fields });
  }

  async #request(method: "GET" | "POST", url: string, form?: Record<string, string>) {
    const headers: Record<string, string> = { "accept-language": "en" };
    const cookie = this.#jar.header();
    if (cookie !== undefined) headers.cookie = cookie;
    const res = await fetch(url, {
      method,
      redirect: "manual",
      headers,
      signal: AbortSignal.timeout(15_000),
      ...(form ? { body: new URLSearchParams(form) } : {}),
    });
    this.#jar.remember(res.headers.getSetCookie());
    const body = await res.text();
    if (res.headers.get("content-type")?.startsWith("text/html")) {
      this.#last = body;
      this.#lastUrl = url;
    }
    return { status: res.status, body, location: res.headers.get("location") };
  }
}

/**
 * The sandbox buyer on the hosted page at `checkoutUrl`: sign in, OTP, approve with `tenure`. Answers the
 * approve post: a 303 to back_to_store_url when approved, the outcome page (e.g. denied) otherwise.
 */
export async function approveInBrowser(
  checkoutUrl: string,
  tenure: 1 | 3 | 6 | 12 = 1,
): Promise<{ status: number; body: string; location: string | null }> {
  const browser = new HttpBrowser();
  const expectRedirect = (step: string, res: { status: number; body: string }) => {
    if (res.status !== 303) throw new Error(`${step}: HTTP ${res.status}\n${res.body.slice(0, 1500)}`);
  };
  await browser.get(checkoutUrl);
  expectRedirect(
    "sign in",
    await browser.submit("sign-in", { phone: SANDBOX_BUYER.phone, pin: SANDBOX_BUYER.pin }),
  );
  await browser.get(checkoutUrl);
  expectRedirect("otp", await browser.submit("otp", { otp: SANDBOX_BUYER.otp }));
  const summary = await browser.get(checkoutUrl);
  if (!summary.body.includes('id="approve"')) throw new Error(`no summary page:\n${summary.body}`);
  return browser.submit("approve", { tenure: String(tenure) });
}
