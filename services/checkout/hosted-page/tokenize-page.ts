import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { z } from "zod";
import { MAX_FAILED_AUTH_ATTEMPTS } from "../../ledger/checkout/checkout.decider.ts";
import type { TokenizationState } from "../../ledger/tokenization/tokenization.decider.ts";
import type { TokenizationRequestedData } from "../../ledger/tokenization/tokenization.events.ts";
import type { CheckoutService } from "../checkout-service.ts";
import {
  type BrowserSubject,
  clearCookiesFor,
  csrfForSubject,
  forgedFor,
  type HostedPage,
  sessionMatching,
  startSessionFor,
} from "./browser.ts";
import { type Lang, messages } from "./i18n.ts";
import { pageAnswer } from "./rejections.ts";
import { buyerCaller, languageOf, send } from "./respond.ts";
import { credentialsBody, otpBody, tokenizeActionParams, tokenizePageQuery } from "./schemas.ts";
import { type FormContext, messagePage, otpPage, signInPage } from "./views.ts";

/**
 * The hosted tokenization page (seed 001 "Tokenize Kredivo Account"): `GET /signIn/tokenize?cid=<id>` shows
 * the step the tokenization is at for this browser, with the checkout page's sign-in and OTP forms (views,
 * cookies, CSRF: browser.ts), posted to `/signIn/tokenize/<id>/<action>`. Once it ends, success or failure,
 * the browser goes back to the store (back_to_store_url); the merchant hears the outcome at its callback_url.
 */
export function tokenizePageSteps(app: FastifyInstance, checkout: CheckoutService): void {
  const page: HostedPage = { checkout, path: `${app.prefix}/signIn/tokenize` };
  const pageUrl = (id: string, language: Lang) =>
    `${page.path}?cid=${encodeURIComponent(id)}&lang=${language}`;
  const actionUrl = (id: string, action: string) => `${page.path}/${encodeURIComponent(id)}/${action}`;
  const toPage = (reply: FastifyReply, id: string, language: Lang) =>
    reply.redirect(pageUrl(id, language), 303);
  const subject = (requested: TokenizationRequestedData): BrowserSubject => ({
    id: requested.tokenizationId,
    expiresAt: requested.expiresAt,
    publicUrl: checkout.tokenizeUrl(requested.tokenizationId),
  });

  const contextFor = (
    request: FastifyRequest,
    reply: FastifyReply,
    requested: TokenizationRequestedData,
    language: Lang,
  ): FormContext => {
    const id = requested.tokenizationId;
    const t = messages[language];
    return {
      lang: language,
      t,
      actions: { credentials: actionUrl(id, "credentials"), otp: actionUrl(id, "otp") },
      csrf: csrfForSubject(page, request, reply, subject(requested)),
      otherLanguageHref: pageUrl(id, language === "en" ? "vi" : "en"),
      signInIntro: t.tokenizeIntro,
    };
  };

  /** A finished tokenization's page: linked, or why not; both lead back to the store. */
  const outcomePage = (language: Lang, state: TokenizationState, requested: TokenizationRequestedData) => {
    const t = messages[language];
    const back = { backToStoreUrl: requested.backToStoreUrl };
    if (state.phase === "succeeded")
      return messagePage(language, t, {
        heading: t.tokenizedHeading,
        body: t.tokenizedBody,
        kind: "tokenized",
        ...back,
      });
    if (state.phase === "failed" && state.failure !== undefined)
      return messagePage(language, t, {
        heading: t.tokenizeFailedHeading,
        body: t.tokenizeFailureBodies[state.failure],
        kind: state.failure,
        ...back,
      });
    return undefined;
  };

  /** After a post ends the tokenization, success or failure, the browser goes back to the store. */
  const backToStore = (
    request: FastifyRequest,
    reply: FastifyReply,
    requested: TokenizationRequestedData,
  ) => {
    clearCookiesFor(page, request, reply, subject(requested));
    return reply.redirect(requested.backToStoreUrl, 303);
  };

  const ended = (state: TokenizationState) => state.phase === "succeeded" || state.phase === "failed";

  app
    .withTypeProvider<ZodTypeProvider>()
    .get(
      "/signIn/tokenize",
      { schema: { hide: true, querystring: tokenizePageQuery } },
      async (request, reply) => {
        const id = request.query.cid;
        const language = languageOf(request, request.query.lang);
        let { state, requested } = await checkout.loadTokenization(id);
        // A verified buyer whose tokenization was not finished (a crash between its steps) finishes it here.
        if (state.phase === "otp_verified")
          state = await checkout.finishTokenization(id, buyerCaller(request));
        const outcome = outcomePage(language, state, requested);
        if (outcome) return send(reply, 200, outcome, requested);
        const ctx = contextFor(request, reply, requested, language);
        const signedIn = sessionMatching(request, id, state.sessionHash) !== undefined;
        if (signedIn && state.phase === "signed_in") return send(reply, 200, otpPage(ctx), requested);
        return send(reply, 200, signInPage(ctx), requested);
      },
    );

  /** A form of the page: the tokenization it names, refused (403) when the post did not come from this page. */
  const form = <Fields extends { csrf: string; lang?: Lang | undefined }>(
    action: string,
    body: z.ZodType<Fields>,
    step: (
      posted: { id: string; language: Lang; state: TokenizationState; requested: TokenizationRequestedData },
      fields: Fields,
      request: FastifyRequest,
      reply: FastifyReply,
    ) => Promise<FastifyReply>,
  ) =>
    app
      .withTypeProvider<ZodTypeProvider>()
      .post(
        `/signIn/tokenize/:tokenizationId/${action}`,
        { schema: { hide: true, params: tokenizeActionParams, body } },
        async (request, reply) => {
          const id = request.params.tokenizationId;
          const fields = body.parse(request.body);
          const language = languageOf(request, fields.lang);
          const { state, requested } = await checkout.loadTokenization(id);
          if (forgedFor(request, id, checkout.tokenizeUrl(id), fields.csrf)) {
            const t = messages[language];
            const forbidden = { heading: t.forbiddenHeading, body: t.forbiddenBody, kind: "forbidden" };
            return send(reply, 403, messagePage(language, t, forbidden), requested);
          }
          try {
            return await step({ id, language, state, requested }, fields, request, reply);
          } catch (error) {
            // A step taken out of turn (another tab, the back button): the page shows where it is.
            if (pageAnswer(error)?.show === "current_step") return toPage(reply, id, language);
            throw error;
          }
        },
      );

  form("credentials", credentialsBody, async ({ id, language, requested }, fields, request, reply) => {
    const ctx = contextFor(request, reply, requested, language);
    const phone = fields.phone.trim();
    if (phone === "" || fields.pin === "")
      return send(reply, 422, signInPage(ctx, { error: ctx.t.missingCredentials, phone }), requested);
    const result = await checkout.tokenizationSignIn(id, phone, fields.pin, buyerCaller(request));
    if (result.session !== undefined) {
      startSessionFor(page, request, reply, subject(requested), result.session);
      return toPage(reply, id, language);
    }
    if (ended(result.state)) return backToStore(request, reply, requested);
    const left = MAX_FAILED_AUTH_ATTEMPTS - result.state.failedAuthAttempts;
    return send(reply, 422, signInPage(ctx, { error: ctx.t.wrongCredentials(left), phone }), requested);
  });

  form("otp", otpBody, async ({ id, language, state, requested }, fields, request, reply) => {
    const session = sessionMatching(request, id, state.sessionHash);
    if (session === undefined || state.phase !== "signed_in") return toPage(reply, id, language);
    const ctx = contextFor(request, reply, requested, language);
    const otp = fields.otp.trim();
    if (otp === "") return send(reply, 422, otpPage(ctx, { error: ctx.t.missingOtp }), requested);
    const after = await checkout.tokenizationVerifyOtp(id, session, otp, buyerCaller(request));
    if (ended(after)) return backToStore(request, reply, requested);
    const left = MAX_FAILED_AUTH_ATTEMPTS - after.failedAuthAttempts;
    return send(reply, 422, otpPage(ctx, { error: ctx.t.wrongOtp(left) }), requested);
  });
}
