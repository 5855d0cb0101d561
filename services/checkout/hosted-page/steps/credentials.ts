import type { FastifyInstance } from "fastify";
import { MAX_FAILED_AUTH_ATTEMPTS } from "../../../ledger/checkout/checkout.decider.ts";
import type { CheckoutService } from "../../checkout-service.ts";
import { type HostedPage, startSession } from "../browser.ts";
import { currentStepOr } from "../rejections.ts";
import { buyerCaller, contextFor, outcomePage, send, toPage } from "../respond.ts";
import { credentialsBody } from "../schemas.ts";
import { signInPage } from "../views.ts";
import { formStep } from "./form-step.ts";

/** Step 1: phone number and PIN. A wrong pair counts toward the lock and says how many tries are left. */
export function credentialsStep(app: FastifyInstance, page: HostedPage): void {
  formStep(app, page, "credentials", credentialsBody, async (posted, form, request, reply) => {
    const { tx, language, initiated } = posted;
    const { phone, pin } = form;
    const ctx = contextFor(page, request, reply, initiated, language);
    if (phone.trim() === "" || pin === "") {
      return send(reply, 422, signInPage(ctx, { error: ctx.t.missingCredentials, phone }), initiated);
    }
    let result: Awaited<ReturnType<CheckoutService["signIn"]>>;
    try {
      result = await page.checkout.signIn(tx, phone.trim(), pin, buyerCaller(request));
    } catch (error) {
      return currentStepOr(error, reply, page, tx, language);
    }
    if (result.signedIn && result.session !== undefined) {
      startSession(page, request, reply, initiated, result.session);
      return toPage(reply, page, tx, language);
    }
    const outcome = outcomePage(language, result.state, initiated);
    if (outcome) return send(reply, 200, outcome, initiated);
    const left = MAX_FAILED_AUTH_ATTEMPTS - result.state.failedAuthAttempts;
    return send(reply, 422, signInPage(ctx, { error: ctx.t.wrongCredentials(left), phone }), initiated);
  });
}
