import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { pinTokenParamsSchema } from "../../../contracts/v1/buyers.ts";
import { Rejection } from "../../ledger/decider.ts";
import type { CheckoutService } from "../checkout-service.ts";
import { sha256Hex } from "../credentials.ts";
import { type BrowserSubject, csrfForSubject, forgedFor } from "./browser.ts";
import { messages } from "./i18n.ts";
import { buyerCaller, languageOf, send } from "./respond.ts";
import { messagePage, pinSetPage } from "./views.ts";

const field = z.string().max(32).default("");
const pinForm = z.object({ pin: field, pinConfirm: field, csrf: z.string().max(128).default("") });
const PIN = /^[0-9]{6}$/;
/** How long the form's CSRF cookie lives: the time to type a PIN twice, generously. */
const FORM_COOKIE_MS = 30 * 60 * 1000;

/**
 * The page a PIN link opens (`POST /v1/buyers/{userId}/pin-link` answers its URL): `GET` shows the form,
 * `POST` sets the PIN. The token in the path is the secret (only its SHA-256 is kept); the form also carries
 * the hosted pages' double-submit CSRF token (browser.ts), so a page elsewhere that learnt a link cannot post
 * a PIN of its choosing through the buyer's browser (403). A spent or expired link is 410. The PIN goes from
 * this form to its scrypt hash and nowhere else.
 */
export function pinLinkPage(app: FastifyInstance, checkout: CheckoutService): void {
  const path = "/buyers/pin/:token";
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const page = { checkout, path: `${app.prefix}/buyers/pin` };
  // The CSRF cookie is named after the link's hash (never the token itself) and scoped to the links' path.
  const subject = (token: string): BrowserSubject => ({
    id: sha256Hex(token).slice(0, 32),
    expiresAt: new Date(Date.now() + FORM_COOKIE_MS).toISOString(),
    // Only its origin counts (who may post): the hosted pages' public origin.
    publicUrl: checkout.checkoutUrl("pin"),
  });
  const gone = (language: ReturnType<typeof languageOf>) =>
    messagePage(language, messages[language], {
      heading: "Link no longer valid",
      body: "This PIN link has been used or has expired: ask us for a new one.",
      kind: "pin-link-gone",
    });

  routes.get(path, { schema: { hide: true, params: pinTokenParamsSchema } }, async (request, reply) => {
    const language = languageOf(request, undefined);
    const action = `${app.prefix}/buyers/pin/${request.params.token}`;
    const csrf = csrfForSubject(page, request, reply, subject(request.params.token));
    return send(reply, 200, pinSetPage(language, messages[language], { action, csrf }));
  });

  routes.post(
    path,
    { schema: { hide: true, params: pinTokenParamsSchema, body: pinForm } },
    async (request, reply) => {
      const language = languageOf(request, undefined);
      const t = messages[language];
      const action = `${app.prefix}/buyers/pin/${request.params.token}`;
      const { pin, pinConfirm } = request.body;
      const linkSubject = subject(request.params.token);
      const csrf = csrfForSubject(page, request, reply, linkSubject);
      if (forgedFor(request, linkSubject.id, linkSubject.publicUrl, request.body.csrf)) {
        const error = "This form was not sent from this page; open the link again.";
        return send(reply, 403, pinSetPage(language, t, { action, csrf, error }));
      }
      if (!PIN.test(pin) || pin !== pinConfirm) {
        const error = PIN.test(pin) ? "The two PINs differ." : "A PIN is 6 digits.";
        return send(reply, 400, pinSetPage(language, t, { action, csrf, error }));
      }
      try {
        await checkout.setPinThroughLink(request.params.token, pin, buyerCaller(request));
      } catch (error) {
        if (error instanceof Rejection && error.rule === "pin_link_must_be_valid") {
          return send(reply, 410, gone(language));
        }
        throw error;
      }
      const body = {
        heading: "PIN set",
        body: "You can now sign in with your phone and this PIN.",
        kind: "pin-set",
      };
      return send(reply, 200, messagePage(language, t, body));
    },
  );
}
