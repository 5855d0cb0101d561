import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { pinTokenParamsSchema } from "../../../contracts/v1/buyers.ts";
import { Rejection } from "../../ledger/decider.ts";
import type { CheckoutService } from "../checkout-service.ts";
import { messages } from "./i18n.ts";
import { buyerCaller, languageOf, send } from "./respond.ts";
import { messagePage, pinSetPage } from "./views.ts";

const field = z.string().max(32).default("");
const pinForm = z.object({ pin: field, pinConfirm: field });
const PIN = /^[0-9]{6}$/;

/**
 * The page a PIN link opens (`POST /v1/buyers/{userId}/pin-link` answers its URL): `GET` shows the form,
 * `POST` sets the PIN. The token in the path is the secret (only its SHA-256 is kept), so the form needs no
 * other one; a spent or expired link is 410. The PIN goes from this form to its scrypt hash and nowhere else.
 */
export function pinLinkPage(app: FastifyInstance, checkout: CheckoutService): void {
  const path = "/buyers/pin/:token";
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const gone = (language: ReturnType<typeof languageOf>) =>
    messagePage(language, messages[language], {
      heading: "Link no longer valid",
      body: "This PIN link has been used or has expired: ask us for a new one.",
      kind: "pin-link-gone",
    });

  routes.get(path, { schema: { hide: true, params: pinTokenParamsSchema } }, async (request, reply) => {
    const language = languageOf(request, undefined);
    const action = `${app.prefix}/buyers/pin/${request.params.token}`;
    return send(reply, 200, pinSetPage(language, messages[language], { action }));
  });

  routes.post(
    path,
    { schema: { hide: true, params: pinTokenParamsSchema, body: pinForm } },
    async (request, reply) => {
      const language = languageOf(request, undefined);
      const t = messages[language];
      const action = `${app.prefix}/buyers/pin/${request.params.token}`;
      const { pin, pinConfirm } = request.body;
      if (!PIN.test(pin) || pin !== pinConfirm) {
        const error = PIN.test(pin) ? "The two PINs differ." : "A PIN is 6 digits.";
        return send(reply, 400, pinSetPage(language, t, { action, error }));
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
