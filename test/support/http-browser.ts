import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";

// The buyer's side of the hosted checkout page over real HTTP, shared by the lifecycle, restart and
// production-shape tests.

/**
 * A browser over real HTTP: keeps the cookies the hosted page sets (Max-Age=0 deletes), sends them back,
 * fills a form from the last page's hidden fields, and does not follow redirects.
 */
export class HttpBrowser {
  readonly #jar = new Map<string, string>();
  #last = "";
  #lastUrl = "";

  async get(url: string): Promise<{ status: number; body: string; location: string | null }> {
    return this.#request("GET", url);
  }

  /** Posts the form `formId` of the last page with its hidden fields plus `fields`. */
  async submit(formId: string, fields: Record<string, string> = {}) {
    const form = new RegExp(`<form method="post" action="([^"]+)"[^>]*id="${formId}"[^>]*>`).exec(this.#last);
    if (!form?.[1]) throw new Error(`no form ${formId} on the last page:\n${this.#last.slice(0, 2000)}`);
    const hidden: Record<string, string> = {};
    for (const m of this.#last.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
      hidden[m[1]!] = decodeEntities(m[2]!);
    }
    return this.#request("POST", new URL(decodeEntities(form[1]), this.#lastUrl).toString(), {
      ...hidden,
      ...fields,
    });
  }

  async #request(method: "GET" | "POST", url: string, form?: Record<string, string>) {
    const headers: Record<string, string> = { "accept-language": "en" };
    if (this.#jar.size > 0) headers.cookie = [...this.#jar].map(([k, v]) => `${k}=${v}`).join("; ");
    const res = await fetch(url, {
      method,
      redirect: "manual",
      headers,
      signal: AbortSignal.timeout(15_000),
      ...(form ? { body: new URLSearchParams(form) } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      if (/;\s*Max-Age=0(;|$)/i.test(line)) this.#jar.delete(pair.slice(0, eq));
      else this.#jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const body = await res.text();
    if (res.headers.get("content-type")?.startsWith("text/html")) {
      this.#last = body;
      this.#lastUrl = url;
    }
    return { status: res.status, body, location: res.headers.get("location") };
  }
}

function decodeEntities(text: string): string {
  return text
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&#96;", "`")
    .replaceAll("&amp;", "&");
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
