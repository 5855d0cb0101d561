import type { FastifyInstance } from "fastify";
import type { CheckoutService } from "../../checkout-service.ts";
import { clearCookies, type HostedPage, sessionOf } from "../browser.ts";
import { currentStepOr, pageAnswer } from "../rejections.ts";
import { buyerCaller, contextFor, outcomePage, send, tenureView, toPage } from "../respond.ts";
import { approveBody, tenureNamed } from "../schemas.ts";
import { summaryPage } from "../views.ts";
import { formStep } from "./form-step.ts";

/**
 * Step 3: the buyer approves with a tenure. Approved, the browser goes back to the store; denied by the
 * credit line, the page says why in words when the tenure's terms tell.
 */
export function approveStep(app: FastifyInstance, page: HostedPage): void {
  formStep(app, page, "approve", approveBody, async (posted, form, request, reply) => {
    const { tx, language, state, initiated } = posted;
    const session = sessionOf(request, tx, state);
    if (session === undefined || state.phase !== "otp_verified") return toPage(reply, page, tx, language);
    const ctx = contextFor(page, request, reply, initiated, language);
    const summaryWith = async (status: number, error: string) =>
      send(reply, status, summaryPage(ctx, { ...(await tenureView(page, initiated)), error }), initiated);
    const tenure = tenureNamed(form.tenure);
    if (tenure === undefined) return summaryWith(422, ctx.t.chooseTenure);
    let result: Awaited<ReturnType<CheckoutService["approve"]>>;
    try {
      result = await page.checkout.approve(tx, session, tenure, buyerCaller(request));
    } catch (error) {
      const answer = pageAnswer(error);
      if (answer?.show === "summary") return summaryWith(answer.status, ctx.t[answer.error]);
      return currentStepOr(error, reply, page, tx, language);
    }
    if (result.state.phase === "pending") {
      clearCookies(page, request, reply, initiated);
      return reply.redirect(initiated.backToStoreUrl, 303);
    }
    // Denied by the credit line: say why, in words, when the tenure's terms tell.
    const chosen = (await page.checkout.tenureOptions(tx)).find((o) => o.terms.tenure === tenure);
    const reason = chosen?.eligible ? undefined : chosen?.reason;
    const outcome = outcomePage(language, result.state, initiated, reason);
    return outcome ? send(reply, 200, outcome, initiated) : toPage(reply, page, tx, language);
  });
}
