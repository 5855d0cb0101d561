import type { FastifyInstance } from "fastify";
import { clearCookies, type HostedPage, sessionOf } from "../browser.ts";
import { currentStepOr } from "../rejections.ts";
import { buyerCaller, toPage } from "../respond.ts";
import { cancelBody } from "../schemas.ts";
import { formStep } from "./form-step.ts";

/** At any step: the buyer abandons the checkout and goes back to the store's cancel page. */
export function cancelStep(app: FastifyInstance, page: HostedPage): void {
  formStep(app, page, "cancel", cancelBody, async (posted, _form, request, reply) => {
    const { tx, language, state, initiated } = posted;
    // Once a buyer has signed in, only that buyer's browser may cancel.
    if (state.sessionHash !== undefined && sessionOf(request, tx, state) === undefined) {
      return toPage(reply, page, tx, language);
    }
    try {
      await page.checkout.abort(tx, buyerCaller(request));
    } catch (error) {
      return currentStepOr(error, reply, page, tx, language);
    }
    clearCookies(page, request, reply, initiated);
    return reply.redirect(initiated.cancelUrl ?? initiated.backToStoreUrl, 303);
  });
}
