import { randomBytes, timingSafeEqual } from "node:crypto";
import formbody from "@fastify/formbody";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors, type ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { CheckoutState } from "../../ledger/checkout/checkout.decider.ts";
import { MAX_FAILED_AUTH_ATTEMPTS } from "../../ledger/checkout/checkout.decider.ts";
import type { InitiatedData } from "../../ledger/checkout/checkout.events.ts";
import type { Tenure } from "../../ledger/creditline/creditline.events.ts";
import { type Caller, Rejection } from "../../ledger/decider.ts";
import { CheckoutFailure } from "../checkout-failure.ts";
import type { CheckoutService } from "../checkout-service.ts";
import { sha256Hex } from "../credentials.ts";
import { parseCookies, serializeCookie } from "./cookies.ts";
import type { SafeHtml } from "./html.ts";
import { LANGS, type Lang, messages, pickLang } from "./i18n.ts";
import {
  messagePage,
  type OrderView,
  otpPage,
  type PageContext,
  reasonText,
  STYLE_HASH,
  signInPage,
  summaryPage,
} from "./views.ts";

export interface HostedPageOptions {
  readonly checkout: CheckoutService;
}

// ------------------------------------------------------------------------------------------------ schemas

const transactionId = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, "must_be_a_transaction_id");
/** An unknown language is not an error: it falls back to Accept-Language. */
const lang = z.enum(LANGS).optional().catch(undefined);
/** Form fields a browser always sends; absent ones read as empty so the page can say what is missing. */
const field = (max: number) => z.string().max(max).default("");

const pageQuery = z.object({ tk: transactionId, lang });
const actionParams = z.object({ transactionId });
const formCommon = { csrf: field(128), lang };
const credentialsBody = z.object({ ...formCommon, phone: field(32), pin: field(32) });
const otpBody = z.object({ ...formCommon, otp: field(16) });
const approveBody = z.object({ ...formCommon, tenure: field(4) });
const cancelBody = z.object(formCommon);

const TENURES: Readonly<Record<string, Tenure>> = { "1": 1, "3": 3, "6": 6, "12": 12 };

/** Rejections that mean "this browser is not at the step it thinks": show the current step instead. */
const STALE_STEP_RULES = new Set([
  "session_must_be_signed_in",
  "checkout_must_await_buyer",
  "checkout_step_out_of_order",
  "transaction_must_exist",
]);

// -------------------------------------------------------------------------------------------------- plugin

/**
 * The hosted checkout page (seed 001 "2-click Checkout"): `GET /signIn?tk=<transaction_id>` shows the
 * step the checkout is at for this browser; each step's form posts to `/signIn/<transaction_id>/<action>`
 * and, on success, is answered 303 back to the page (post/redirect/get). Mount under `/kredivo`.
 *
 * Sessions: the token `signIn` returns lives only in an HttpOnly, SameSite=Lax cookie named after the
 * transaction and scoped to this page's path; the log keeps its hash. Every post also carries a
 * double-submit CSRF token (cookie + hidden field) and is refused when the browser says it came from
 * another origin.
 */
export async function hostedPageRoutes(app: FastifyInstance, options: HostedPageOptions): Promise<void> {
  const { checkout } = options;
  // Forms only: the page's posts are application/x-www-form-urlencoded, anything else is refused (415).
  app.removeAllContentTypeParsers();
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  const typed = app.withTypeProvider<ZodTypeProvider>();

  const pagePath = `${app.prefix}/signIn`;
  const cookiePath = pagePath;
  const sessionCookie = (tx: string) => `kredivo_session_${tx}`;
  const csrfCookie = (tx: string) => `kredivo_csrf_${tx}`;
  const pageUrl = (tx: string, language: Lang) => `${pagePath}?tk=${encodeURIComponent(tx)}&lang=${language}`;
  const actionUrl = (tx: string, action: string) => `${pagePath}/${encodeURIComponent(tx)}/${action}`;

  const caller = (request: FastifyRequest): Caller => ({
    actor: "buyer",
    correlationId: request.correlationId ?? request.id,
    causationId: request.id,
  });

  const cookieOptions = (request: FastifyRequest, initiated: InitiatedData, clear = false) => ({
    path: cookiePath,
    // Secure whenever the buyer reaches us over TLS, also through a proxy that terminates it.
    secure:
      request.protocol === "https" || checkout.checkoutUrl(initiated.transactionId).startsWith("https:"),
    // Lives as long as the checkout can be worked on; then the browser drops it.
    maxAge: clear ? 0 : Math.max(0, Math.ceil((Date.parse(initiated.expiresAt) - Date.now()) / 1000)),
  });

  const cookiesOf = (request: FastifyRequest) => parseCookies(request.headers.cookie);

  /** The session cookie, when it is the one the checkout's current session was opened with. */
  function sessionOf(request: FastifyRequest, tx: string, state: CheckoutState): string | undefined {
    const session = cookiesOf(request).get(sessionCookie(tx));
    if (session === undefined || state.sessionHash === undefined) return undefined;
    return sha256Hex(session) === state.sessionHash ? session : undefined;
  }

  /** The CSRF token of this browser for this transaction, minted (and set) on first sight. */
  function csrfFor(
    request: FastifyRequest,
    reply: FastifyReply,
    tx: string,
    initiated: InitiatedData,
  ): string {
    const existing = cookiesOf(request).get(csrfCookie(tx));
    if (existing !== undefined) return existing;
    const token = randomBytes(24).toString("base64url");
    reply.header("set-cookie", serializeCookie(csrfCookie(tx), token, cookieOptions(request, initiated)));
    return token;
  }

  function clearCookies(request: FastifyRequest, reply: FastifyReply, tx: string, initiated: InitiatedData) {
    const clear = cookieOptions(request, initiated, true);
    reply.header("set-cookie", [
      serializeCookie(sessionCookie(tx), "", clear),
      serializeCookie(csrfCookie(tx), "", clear),
    ]);
  }

  /**
   * A post must come from this page: the browser's Sec-Fetch-Site / Origin (when sent) must say same
   * origin, and the form's token must equal this browser's CSRF cookie (which a cross-site post never
   * carries, SameSite=Lax).
   */
  function forged(request: FastifyRequest, tx: string, token: string): boolean {
    const site = request.headers["sec-fetch-site"];
    if (site !== undefined && site !== "same-origin" && site !== "none") return true;
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedOrigins(request, tx).has(origin)) return true;
    const cookie = cookiesOf(request).get(csrfCookie(tx));
    if (cookie === undefined || token === "") return true;
    const a = Buffer.from(cookie);
    const b = Buffer.from(token);
    return a.length !== b.length || !timingSafeEqual(a, b);
  }

  function allowedOrigins(request: FastifyRequest, tx: string): Set<string> {
    const origins = new Set([`${request.protocol}://${request.host}`]);
    try {
      origins.add(new URL(checkout.checkoutUrl(tx)).origin);
    } catch {
      // No public base URL yet: only the request's own origin.
    }
    return origins;
  }

  function send(reply: FastifyReply, status: number, page: SafeHtml, initiated?: InitiatedData) {
    // Forms may only go to us; the 303s after approve and cancel lead on to the merchant's pages.
    const formTargets = new Set(["'self'"]);
    for (const url of [initiated?.backToStoreUrl, initiated?.cancelUrl]) {
      const origin = originOf(url);
      if (origin) formTargets.add(origin);
    }
    return reply
      .code(status)
      .header("content-type", "text/html; charset=utf-8")
      .header("cache-control", "no-store")
      .header(
        "content-security-policy",
        `default-src 'none'; style-src '${STYLE_HASH}'; form-action ${[...formTargets].join(" ")}; ` +
          "frame-ancestors 'none'; base-uri 'none'",
      )
      .header("x-frame-options", "DENY")
      .header("x-content-type-options", "nosniff")
      .header("referrer-policy", "same-origin")
      .send(page.value);
  }

  const languageOf = (request: FastifyRequest, explicit: Lang | undefined) =>
    pickLang(explicit, request.headers["accept-language"]);

  function contextFor(
    request: FastifyRequest,
    reply: FastifyReply,
    tx: string,
    initiated: InitiatedData,
    language: Lang,
  ): PageContext {
    return {
      lang: language,
      t: messages[language],
      order: orderView(initiated),
      actions: {
        credentials: actionUrl(tx, "credentials"),
        otp: actionUrl(tx, "otp"),
        approve: actionUrl(tx, "approve"),
        cancel: actionUrl(tx, "cancel"),
      },
      csrf: csrfFor(request, reply, tx, initiated),
      otherLanguageHref: pageUrl(tx, language === "en" ? "vi" : "en"),
    };
  }

  const toPage = (reply: FastifyReply, tx: string, language: Lang) =>
    reply.redirect(pageUrl(tx, language), 303);

  /** A page for a checkout that is not waiting for a form: locked, denied or finished. */
  function outcomePage(language: Lang, state: CheckoutState, initiated: InitiatedData, reason?: string) {
    const t = messages[language];
    const order = orderView(initiated);
    const back = { backToStoreUrl: initiated.backToStoreUrl, order };
    switch (state.phase) {
      case "denied":
        if (state.failedAuthAttempts >= MAX_FAILED_AUTH_ATTEMPTS) {
          return messagePage(language, t, {
            heading: t.lockedHeading,
            body: t.lockedBody,
            kind: "locked",
            ...back,
          });
        }
        return messagePage(language, t, {
          heading: t.deniedHeading,
          body: reason === undefined ? t.deniedBody : `${t.deniedBody} ${reasonText(t, reason)}.`,
          kind: "denied",
          ...back,
        });
      case "pending":
      case "settled":
      case "failed":
      case "expired":
      case "aborted":
        return messagePage(language, t, {
          heading: t.statusHeadings[state.phase],
          body: t.statusBodies[state.phase],
          kind: state.phase,
          ...back,
        });
      default:
        return undefined;
    }
  }

  async function tenureView(tx: string, initiated: InitiatedData, preferred?: Tenure) {
    const options = await checkout.tenureOptions(tx);
    const eligible = options.filter((o) => o.eligible).map((o) => o.terms.tenure);
    const wanted = preferred ?? initiated.tenure;
    return { options, selected: eligible.includes(wanted) ? wanted : eligible[0] };
  }

  // ---------------------------------------------------------------------------------------------- errors

  app.setErrorHandler(async (error, request, reply) => {
    const language = languageOf(request, undefined);
    const t = messages[language];
    if (error instanceof CheckoutFailure) {
      return send(
        reply,
        404,
        messagePage(language, t, { heading: t.notFoundHeading, body: t.notFoundBody, kind: "not-found" }),
      );
    }
    const status = statusOf(error);
    if (hasZodFastifySchemaValidationErrors(error) || (status >= 400 && status < 500)) {
      request.log.info({ err: error }, "hosted page: bad request");
      return send(
        reply,
        status >= 400 && status < 500 ? status : 400,
        messagePage(language, t, {
          heading: t.badRequestHeading,
          body: t.badRequestBody,
          kind: "bad-request",
        }),
      );
    }
    request.log.error({ err: error }, "hosted page failed");
    return send(
      reply,
      500,
      messagePage(language, t, { heading: t.errorHeading, body: t.errorBody, kind: "error" }),
    );
  });

  const refuse = (reply: FastifyReply, language: Lang, initiated: InitiatedData) => {
    const t = messages[language];
    return send(
      reply,
      403,
      messagePage(language, t, {
        heading: t.forbiddenHeading,
        body: t.forbiddenBody,
        kind: "forbidden",
        order: orderView(initiated),
      }),
      initiated,
    );
  };

  // ------------------------------------------------------------------------------------------------ page

  typed.get("/signIn", { schema: { hide: true, querystring: pageQuery } }, async (request, reply) => {
    const tx = request.query.tk;
    const language = languageOf(request, request.query.lang);
    const { state, initiated } = await checkout.page(tx);
    const outcome = outcomePage(language, state, initiated);
    if (outcome) return send(reply, 200, outcome, initiated);
    const ctx = contextFor(request, reply, tx, initiated, language);
    const session = sessionOf(request, tx, state);
    if (session === undefined) {
      // Someone (another device) signed in after this browser did: this browser has to sign in again.
      const superseded = cookiesOf(request).has(sessionCookie(tx)) && state.sessionHash !== undefined;
      return send(reply, 200, signInPage(ctx, superseded ? { error: ctx.t.sessionEnded } : {}), initiated);
    }
    if (state.phase === "signed_in") return send(reply, 200, otpPage(ctx), initiated);
    return send(reply, 200, summaryPage(ctx, await tenureView(tx, initiated)), initiated);
  });

  // ------------------------------------------------------------------------------------------ sign in

  typed.post(
    "/signIn/:transactionId/credentials",
    { schema: { hide: true, params: actionParams, body: credentialsBody } },
    async (request, reply) => {
      const tx = request.params.transactionId;
      const { phone, pin, csrf } = request.body;
      const language = languageOf(request, request.body.lang);
      const { initiated } = await checkout.page(tx);
      if (forged(request, tx, csrf)) return refuse(reply, language, initiated);
      const ctx = contextFor(request, reply, tx, initiated, language);
      if (phone.trim() === "" || pin === "") {
        return send(reply, 422, signInPage(ctx, { error: ctx.t.missingCredentials, phone }), initiated);
      }
      let result: Awaited<ReturnType<CheckoutService["signIn"]>>;
      try {
        result = await checkout.signIn(tx, phone.trim(), pin, caller(request));
      } catch (error) {
        if (error instanceof Rejection && STALE_STEP_RULES.has(error.rule))
          return toPage(reply, tx, language);
        throw error;
      }
      if (result.signedIn && result.session !== undefined) {
        reply.header(
          "set-cookie",
          serializeCookie(sessionCookie(tx), result.session, cookieOptions(request, initiated)),
        );
        return toPage(reply, tx, language);
      }
      const outcome = outcomePage(language, result.state, initiated);
      if (outcome) return send(reply, 200, outcome, initiated);
      const left = MAX_FAILED_AUTH_ATTEMPTS - result.state.failedAuthAttempts;
      return send(reply, 422, signInPage(ctx, { error: ctx.t.wrongCredentials(left), phone }), initiated);
    },
  );

  // ---------------------------------------------------------------------------------------------- OTP

  typed.post(
    "/signIn/:transactionId/otp",
    { schema: { hide: true, params: actionParams, body: otpBody } },
    async (request, reply) => {
      const tx = request.params.transactionId;
      const { otp, csrf } = request.body;
      const language = languageOf(request, request.body.lang);
      const { state, initiated } = await checkout.page(tx);
      if (forged(request, tx, csrf)) return refuse(reply, language, initiated);
      const session = sessionOf(request, tx, state);
      if (session === undefined || state.phase !== "signed_in") return toPage(reply, tx, language);
      const ctx = contextFor(request, reply, tx, initiated, language);
      if (otp.trim() === "") return send(reply, 422, otpPage(ctx, { error: ctx.t.missingOtp }), initiated);
      let result: Awaited<ReturnType<CheckoutService["verifyOtp"]>>;
      try {
        result = await checkout.verifyOtp(tx, session, otp.trim(), caller(request));
      } catch (error) {
        if (error instanceof Rejection && STALE_STEP_RULES.has(error.rule))
          return toPage(reply, tx, language);
        throw error;
      }
      if (result.verified) return toPage(reply, tx, language);
      const outcome = outcomePage(language, result.state, initiated);
      if (outcome) return send(reply, 200, outcome, initiated);
      const left = MAX_FAILED_AUTH_ATTEMPTS - result.state.failedAuthAttempts;
      return send(reply, 422, otpPage(ctx, { error: ctx.t.wrongOtp(left) }), initiated);
    },
  );

  // ------------------------------------------------------------------------------------------ approve

  typed.post(
    "/signIn/:transactionId/approve",
    { schema: { hide: true, params: actionParams, body: approveBody } },
    async (request, reply) => {
      const tx = request.params.transactionId;
      const { csrf } = request.body;
      const language = languageOf(request, request.body.lang);
      const { state, initiated } = await checkout.page(tx);
      if (forged(request, tx, csrf)) return refuse(reply, language, initiated);
      const session = sessionOf(request, tx, state);
      if (session === undefined || state.phase !== "otp_verified") return toPage(reply, tx, language);
      const ctx = contextFor(request, reply, tx, initiated, language);
      const tenure = TENURES[request.body.tenure];
      if (tenure === undefined) {
        const view = await tenureView(tx, initiated);
        return send(reply, 422, summaryPage(ctx, { ...view, error: ctx.t.chooseTenure }), initiated);
      }
      let result: Awaited<ReturnType<CheckoutService["approve"]>>;
      try {
        result = await checkout.approve(tx, session, tenure, caller(request));
      } catch (error) {
        if (error instanceof Rejection && STALE_STEP_RULES.has(error.rule))
          return toPage(reply, tx, language);
        if (error instanceof Rejection && error.rule === "amount_must_meet_tenure_minimum") {
          const view = await tenureView(tx, initiated);
          return send(reply, 422, summaryPage(ctx, { ...view, error: ctx.t.tenureNotAllowed }), initiated);
        }
        throw error;
      }
      if (result.state.phase === "pending") {
        clearCookies(request, reply, tx, initiated);
        return reply.redirect(initiated.backToStoreUrl, 303);
      }
      // Denied by the credit line: say why, in words, when the tenure's terms tell.
      const chosen = (await checkout.tenureOptions(tx)).find((o) => o.terms.tenure === tenure);
      const outcome = outcomePage(
        language,
        result.state,
        initiated,
        chosen?.eligible ? undefined : chosen?.reason,
      );
      return outcome ? send(reply, 200, outcome, initiated) : toPage(reply, tx, language);
    },
  );

  // ------------------------------------------------------------------------------------------- cancel

  typed.post(
    "/signIn/:transactionId/cancel",
    { schema: { hide: true, params: actionParams, body: cancelBody } },
    async (request, reply) => {
      const tx = request.params.transactionId;
      const language = languageOf(request, request.body.lang);
      const { state, initiated } = await checkout.page(tx);
      if (forged(request, tx, request.body.csrf)) return refuse(reply, language, initiated);
      // Once a buyer has signed in, only that buyer's browser may cancel.
      if (state.sessionHash !== undefined && sessionOf(request, tx, state) === undefined) {
        return toPage(reply, tx, language);
      }
      try {
        await checkout.abort(tx, caller(request));
      } catch (error) {
        if (error instanceof Rejection && STALE_STEP_RULES.has(error.rule))
          return toPage(reply, tx, language);
        throw error;
      }
      clearCookies(request, reply, tx, initiated);
      return reply.redirect(initiated.cancelUrl ?? initiated.backToStoreUrl, 303);
    },
  );
}

function orderView(initiated: InitiatedData): OrderView {
  return {
    orderId: initiated.orderId,
    amountMinor: initiated.amountMinor,
    items: initiated.items,
    backToStoreUrl: initiated.backToStoreUrl,
  };
}

function originOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

function statusOf(error: unknown): number {
  if (error !== null && typeof error === "object" && "statusCode" in error) {
    const code = error.statusCode;
    if (typeof code === "number") return code;
  }
  return 500;
}
