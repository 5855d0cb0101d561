import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { CookieJar, formAction, hiddenFields } from "./html-forms.ts";

/**
 * What a buyer's browser does with a PIN link (`POST /v1/buyers/{userId}/pin-link` answers its URL): open
 * the page, then post the form with its hidden CSRF field and the cookie the page set. `forge` leaves the
 * CSRF field out, as a post from another site would.
 */
export async function submitPinLink(
  app: { inject(options: InjectOptions): Promise<LightMyRequestResponse> },
  url: string,
  pin: string,
  options: { confirm?: string; forge?: boolean } = {},
) {
  const jar = new CookieJar();
  const page = await app.inject({ method: "GET", url: new URL(url).pathname });
  if (page.statusCode !== 200) return page;
  jar.remember([page.headers["set-cookie"] ?? []].flat());
  const fields = hiddenFields(page.body, options.forge ? ["csrf"] : []);
  return app.inject({
    method: "POST",
    url: formAction(page.body, "set-pin"),
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.header() ?? "" },
    payload: new URLSearchParams({ ...fields, pin, pinConfirm: options.confirm ?? pin }).toString(),
  });
}
