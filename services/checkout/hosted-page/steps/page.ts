import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { CheckoutState } from "../../../ledger/checkout/checkout.decider.ts";
import { newSessionToken } from "../../credentials.ts";
import { type HostedPage, hasSessionCookie, sessionOf, startSession } from "../browser.ts";
import { buyerCaller, contextFor, languageOf, outcomePage, send, tenureView } from "../respond.ts";
import { pageQuery } from "../schemas.ts";
import { otpPage, signInPage, summaryPage } from "../views.ts";

/** GET /signIn?tk=<transaction_id>: the step the checkout is at, for this browser. */
export function pageStep(app: FastifyInstance, page: HostedPage): void {
  app
    .withTypeProvider<ZodTypeProvider>()
    .get("/signIn", { schema: { hide: true, querystring: pageQuery } }, async (request, reply) => {
      const tx = request.query.tk;
      const language = languageOf(request, request.query.lang);
      const { state, initiated } = await page.checkout.page(tx);
      const outcome = outcomePage(language, state, initiated);
      if (outcome) return send(reply, 200, outcome, initiated);
      const ctx = contextFor(page, request, reply, initiated, language);
      if (sessionOf(request, tx, state) === undefined && awaitsOtpChallenge(state)) {
        // A flagged 0-click checkout (its redirect_url): the token signed the buyer in, the OTP is still owed.
        const session = newSessionToken();
        await page.checkout.openChallenge(tx, session, buyerCaller(request));
        startSession(page, request, reply, initiated, session);
        return send(reply, 200, otpPage(ctx), initiated);
      }
      if (sessionOf(request, tx, state) === undefined) {
        // Someone (another device) signed in after this browser did: this browser has to sign in again.
        const superseded = hasSessionCookie(request, tx) && state.sessionHash !== undefined;
        return send(reply, 200, signInPage(ctx, superseded ? { error: ctx.t.sessionEnded } : {}), initiated);
      }
      if (state.phase === "signed_in") return send(reply, 200, otpPage(ctx), initiated);
      return send(reply, 200, summaryPage(ctx, await tenureView(page, initiated)), initiated);
    });
}

/** A 0-click checkout a risk rule flagged, its OTP not yet passed. */
function awaitsOtpChallenge(state: CheckoutState): boolean {
  return state.phase === "signed_in" && (state.tokenAuth?.flaggedBy.length ?? 0) > 0;
}
