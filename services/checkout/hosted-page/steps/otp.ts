import type { FastifyInstance } from "fastify";
import { MAX_FAILED_AUTH_ATTEMPTS } from "../../../ledger/checkout/checkout.decider.ts";
import type { CheckoutService } from "../../checkout-service.ts";
import { clearCookies, type HostedPage, sessionOf } from "../browser.ts";
import { currentStepOr } from "../rejections.ts";
import { buyerCaller, contextFor, outcomePage, send, toPage } from "../respond.ts";
import { otpBody } from "../schemas.ts";
import { otpPage } from "../views.ts";
import { formStep } from "./form-step.ts";

/** Step 2: the one-time code, for the signed-in browser only. A wrong code counts toward the lock. */
export function otpStep(app: FastifyInstance, page: HostedPage): void {
  formStep(app, page, "otp", otpBody, async (posted, form, request, reply) => {
    const { tx, language, state, initiated } = posted;
    const session = sessionOf(request, tx, state);
    if (session === undefined || state.phase !== "signed_in") return toPage(reply, page, tx, language);
    const ctx = contextFor(page, request, reply, initiated, language);
    if (form.otp.trim() === "") return send(reply, 422, otpPage(ctx, { error: ctx.t.missingOtp }), initiated);
    let result: Awaited<ReturnType<CheckoutService["verifyOtp"]>>;
    try {
      result = await page.checkout.verifyOtp(tx, session, form.otp.trim(), buyerCaller(request));
    } catch (error) {
      return currentStepOr(error, reply, page, tx, language);
    }
    if (result.verified && result.state.tokenAuth !== undefined) {
      // A 0-click checkout's OTP challenge passed: it goes on as approved, back to the store.
      const approved = await page.checkout.approveChallenged(tx, session, buyerCaller(request));
      if (approved.state.phase === "pending") {
        clearCookies(page, request, reply, initiated);
        return reply.redirect(initiated.backToStoreUrl, 303);
      }
      const outcome = outcomePage(language, approved.state, initiated);
      return outcome ? send(reply, 200, outcome, initiated) : toPage(reply, page, tx, language);
    }
    if (result.verified) return toPage(reply, page, tx, language);
    const outcome = outcomePage(language, result.state, initiated);
    if (outcome) return send(reply, 200, outcome, initiated);
    const left = MAX_FAILED_AUTH_ATTEMPTS - result.state.failedAuthAttempts;
    return send(reply, 422, otpPage(ctx, { error: ctx.t.wrongOtp(left) }), initiated);
  });
}
