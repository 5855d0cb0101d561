import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { CookieJar } from "../support/html-forms.ts";

/** One browser on the onboarding pages through inject(): cookies kept and sent back, forms url-encoded. */
export function pageBrowser(app: { inject(options: InjectOptions): Promise<LightMyRequestResponse> }) {
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
          ...headers,
        },
        ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
      });
      jar.remember([res.headers["set-cookie"] ?? []].flat().map(String));
      last = res.body;
      return res;
    },
  };
}
