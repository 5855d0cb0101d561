import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { CookieJar } from "./html-forms.ts";

/** The cookies a response sets, one string each, as its Set-Cookie headers give them. */
export const setCookiesOf = (res: LightMyRequestResponse): string[] =>
  [res.headers["set-cookie"] ?? []].flat().map(String);

/**
 * One browser on server-rendered pages through inject(): keeps the cookies the pages set (Max-Age=0
 * deletes), sends them back, url-encodes forms; `page` is the last body.
 */
export function pageBrowser(
  app: { inject(options: InjectOptions): Promise<LightMyRequestResponse> },
  defaultHeaders: Record<string, string> = {},
) {
  const jar = new CookieJar();
  let last = "";
  return {
    jar,
    get page() {
      return last;
    },
    async request(method: "GET" | "POST", url: string, form?: Record<string, string>, headers = {}) {
      const cookie = jar.header();
      const res = await app.inject({
        method,
        url,
        headers: {
          ...(cookie === undefined ? {} : { cookie }),
          ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
          ...defaultHeaders,
          ...headers,
        },
        ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
      });
      jar.remember(setCookiesOf(res));
      last = res.body;
      return res;
    },
  };
}
