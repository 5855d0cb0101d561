import formbody from "@fastify/formbody";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { uploadedFileSchema } from "../../../contracts/kredmint/document.ts";
import { money, renderDecimal } from "../../../contracts/money.ts";
import type { SafeHtml } from "../../http/html.ts";
import { sendHtmlPage } from "../../http/html-page.ts";
import { type Caller, Rejection } from "../../ledger/decider.ts";
import type { OtpCodes } from "../../platform/otp/otp-codes.ts";
import { multipartForms } from "../http/document-routes.ts";
import type { KredmintService } from "../kredmint-service.ts";
import { KredmintRefusal } from "../refusal.ts";
import { type PageSession, pageSessions, SESSION_SECONDS } from "./session.ts";
import {
  type FormContext,
  invoicePage,
  invoiceStatusPage,
  messagePage,
  mobilePage,
  otpPage,
  PROFILE_FIELDS,
  profilePage,
  STYLE_HASH,
  statusPage,
  uploadPage,
} from "./views.ts";

/** The pages' one-time codes: the code book the Checkout pages use, product `kredmint`. */
export interface PageOtp {
  readonly codes: OtpCodes;
  /** The sandbox sender's fixed code (the seed: "use otp 1234 on development"), shown as a hint; else undefined. */
  readonly sandboxCode: string | undefined;
}

export interface OnboardingPageOptions {
  readonly kredmint: KredmintService;
  readonly otp: PageOtp;
  readonly now: () => Date;
  readonly linkSecret: string;
  readonly publicBaseUrl: () => string;
  readonly uploadMaxBytes: number;
}

const entryQuery = z.union([
  z.object({ sid: z.string().max(4096), userId: z.string().max(64), token: z.string().max(128) }),
  z.object({
    partnerId: z.string().max(64),
    clientToken: z.string().max(255),
    mobile: z
      .string()
      .regex(/^[0-9]{9,12}$/)
      .optional(),
  }),
]);
const csrfOnly = z.object({ csrf: z.string().max(100) });
const mobileForm = csrfOnly.extend({ mobile: z.string().max(32) });
const otpForm = csrfOnly.extend({ otp: z.string().max(32) });
/** The profile fields (PROFILE_FIELDS) by name; other names are ignored. */
const profileForm = csrfOnly.catchall(z.string().max(255));
const uploadForm = csrfOnly.extend({
  docType: z.literal("FINANCIAL_DATA"),
  file: uploadedFileSchema.optional(),
});

/**
 * The onboarding pages under `/kredmint/auth` (seed "Static Url" and the banner's landingUrl), server-rendered:
 * `GET /auth` opens a session from the link and redirects to `GET /auth/page`, which shows the step the user
 * is at; each step's form posts to `/auth/<step>` and is answered 303 back to the page (post/redirect/get).
 */
export async function onboardingPages(app: FastifyInstance, options: OnboardingPageOptions): Promise<void> {
  const { kredmint, now, otp } = options;
  app.removeAllContentTypeParsers();
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  await multipartForms(app, options.uploadMaxBytes);
  const base = `${app.prefix}/auth`;
  const sessions = pageSessions({
    secret: options.linkSecret,
    path: base,
    publicBaseUrl: options.publicBaseUrl,
  });
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const toPage = (reply: FastifyReply) => reply.redirect(`${base}/page`, 303);
  const caller = (request: FastifyRequest, session: PageSession): Caller => ({
    actor: `user:${session.partnerId}:${session.mobile ?? "unknown"}`,
    correlationId: request.correlationId ?? request.id,
    causationId: request.id,
  });

  app.setErrorHandler(async (error, request, reply) => {
    const status = statusOf(error);
    if (status >= 500) request.log.error({ err: error }, "onboarding page failed");
    const frame = { step: undefined, backDeepLink: sessions.read(request, now().getTime())?.backDeepLink };
    if (status >= 500) {
      return send(reply, status, messagePage(frame, "Something went wrong", "Please try again in a moment."));
    }
    return send(
      reply,
      400,
      messagePage(frame, "This page cannot be shown", "Open the link from your app again."),
    );
  });

  const expired = (reply: FastifyReply, status = 403) =>
    send(
      reply,
      status,
      messagePage(
        { step: undefined, backDeepLink: undefined },
        "This link is not valid",
        "It was altered, or it expired. Open kredmint again from your app.",
      ),
    );

  const entry = async (
    request: FastifyRequest<{ Querystring: z.infer<typeof entryQuery> }>,
    reply: FastifyReply,
  ) => {
    const query = request.query;
    const expiresAtMs = now().getTime() + SESSION_SECONDS * 1000;
    if ("sid" in query) {
      const verified = kredmint.verifyLandingLink(query);
      if (!verified.ok) return expired(reply);
      const { link } = verified;
      const user = await kredmint.onboarding.review(link.partnerId, link.userId);
      if (!user) return expired(reply);
      sessions.write(request, reply, {
        partnerId: link.partnerId,
        boundMobile: user.mobile,
        verified: false,
        successDeepLink: link.successDeepLink,
        failureDeepLink: link.failureDeepLink,
        backDeepLink: link.backDeepLink,
        invoiceNumber: link.invoiceNumber,
        expiresAtMs,
      });
      return toPage(reply);
    }
    const partner = await kredmint.partnerByClientToken(query.partnerId, query.clientToken);
    if (!partner) return expired(reply);
    sessions.write(request, reply, {
      partnerId: partner.partnerId,
      boundMobile: query.mobile,
      verified: false,
      expiresAtMs,
    });
    return toPage(reply);
  };
  for (const path of ["/auth", "/auth/"]) {
    routes.get(path, { schema: { hide: true, querystring: entryQuery } }, entry);
  }

  routes.get("/auth/page", { schema: { hide: true } }, async (request, reply) => {
    const session = sessions.read(request, now().getTime());
    if (!session) return expired(reply);
    return send(reply, 200, await currentPage(request, reply, session));
  });

  async function currentPage(
    request: FastifyRequest,
    reply: FastifyReply,
    session: PageSession,
    error?: string,
  ): Promise<SafeHtml> {
    const form = (step: FormContext["step"]): FormContext => ({
      step,
      backDeepLink: session.backDeepLink,
      csrf: sessions.csrf(request, reply),
      action: (name) => `${base}/${name}`,
      error,
    });
    // The mobile is confirmed (and the code sent) on this step, also when the link named it.
    if (!session.mobile) {
      return mobilePage(form("mobile"), session.boundMobile, session.boundMobile !== undefined);
    }
    if (!session.verified) return otpPage(form("otp"), session.mobile, otp.sandboxCode);
    const user = await kredmint.onboarding.user(session.partnerId, session.mobile);
    // Page `payment`: an Active user confirms the invoice; any other goes on with onboarding (README).
    if (session.invoiceNumber !== undefined && user.state === "Active" && user.identity) {
      return invoiceStep(form("invoice"), session, user.identity.userId, session.invoiceNumber);
    }
    if (user.state === "IncompleteProfile") {
      if (!user.profile) return profilePage(form("profile"), user.prefill);
      return uploadPage(form("upload"));
    }
    const frame = { step: "status" as const, backDeepLink: session.backDeepLink };
    const continueTo = user.state === "Rejected" ? session.failureDeepLink : session.successDeepLink;
    const limit =
      user.decision && "approved" in user.decision
        ? renderDecimal(money(user.decision.approved, "INR"))
        : undefined;
    return statusPage(frame, user.state, continueTo, limit);
  }

  async function invoiceStep(
    ctx: FormContext,
    session: PageSession,
    userId: string,
    invoiceNumber: string,
  ): Promise<SafeHtml> {
    const state = await kredmint.disbursals.find(userId, invoiceNumber);
    const invoice = state.request;
    if (!invoice) {
      return messagePage(ctx, "No such invoice", "Open pay by credit again from your app.");
    }
    if (state.status !== "Requested") {
      const failed = state.status === "Failed" || state.status === "Cancelled";
      return invoiceStatusPage(
        ctx,
        { disbursalId: invoice.disbursalId, status: state.status, reason: state.reason },
        failed ? session.failureDeepLink : session.successDeepLink,
      );
    }
    const availableMinor = await kredmint.availableCredit(userId);
    const inr = (minor: bigint) => renderDecimal(money(minor, "INR"));
    return invoicePage(ctx, {
      disbursalId: invoice.disbursalId,
      invoiceNumber,
      payee: invoice.payee.kind === "supplier" ? `supplier ${invoice.payee.supplierId}` : "your partner",
      amount: inr(invoice.amountMinor),
      available: inr(availableMinor),
      covered: invoice.amountMinor <= availableMinor,
    });
  }

  /** Every post: a session, and a form that came from our page (else 403 before the step runs). */
  function post<F extends { csrf: string }>(
    step: string,
    body: z.ZodType<F>,
    handle: (session: PageSession, form: F, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
  ) {
    routes.post(`/auth/${step}`, { schema: { hide: true, body } }, async (request, reply) => {
      const session = sessions.read(request, now().getTime());
      if (!session) return expired(reply);
      const form = body.parse(request.body);
      if (sessions.forged(request, form.csrf)) {
        const frame = { step: undefined, backDeepLink: session.backDeepLink };
        return send(
          reply,
          403,
          messagePage(frame, "This form did not come from kredmint", "Open the page again."),
        );
      }
      return handle(session, form, request, reply);
    });
  }

  const again = async (request: FastifyRequest, reply: FastifyReply, session: PageSession, error: string) =>
    send(reply, 422, await currentPage(request, reply, session, error));

  post("mobile", mobileForm, async (session, form, request, reply) => {
    const mobile = form.mobile.trim();
    if (!/^[0-9]{9,12}$/.test(mobile)) return again(request, reply, session, "Enter 9 to 12 digits.");
    if (session.boundMobile !== undefined && mobile !== session.boundMobile) {
      return again(request, reply, session, "This link is for another mobile number.");
    }
    if (!(await otp.codes.issue("kredmint", mobile)).sent)
      return again(request, reply, session, TOO_MANY_CODES);
    sessions.write(request, reply, { ...session, mobile, verified: false });
    return toPage(reply);
  });

  // A code expires (OTP_TTL_SECONDS) or an SMS is lost: the user asks for another, within the rate limit.
  post("resend", csrfOnly, async (session, _form, request, reply) => {
    if (!session.mobile || session.verified) return toPage(reply);
    if (!(await otp.codes.issue("kredmint", session.mobile)).sent)
      return again(request, reply, session, TOO_MANY_CODES);
    return toPage(reply);
  });

  post("otp", otpForm, async (session, form, request, reply) => {
    if (!session.mobile) return toPage(reply);
    // Single use: a right code is spent here, so a replayed form does not verify another session.
    if (!(await otp.codes.redeem("kredmint", session.mobile, form.otp.trim())))
      return again(request, reply, session, "That code is not right, or it expired. Try again.");
    // The user exists once the mobile is proven: a number typed on the page creates nobody.
    await kredmint.openUser(session.partnerId, session.mobile, caller(request, session));
    sessions.write(request, reply, { ...session, verified: true });
    return toPage(reply);
  });

  post("profile", profileForm, async (session, form, request, reply) => {
    if (!session.mobile || !session.verified) return toPage(reply);
    const profile: Record<string, string> = {};
    for (const [name] of PROFILE_FIELDS) {
      const value = form[name];
      if (typeof value === "string" && value.trim() !== "") profile[name] = value.trim();
    }
    if (!profile.fullName) return again(request, reply, session, "Enter your full name.");
    await kredmint.onboarding.submitProfile(
      session.partnerId,
      session.mobile,
      profile,
      caller(request, session),
    );
    return toPage(reply);
  });

  post("invoice", csrfOnly, async (session, _form, request, reply) => {
    if (!session.mobile || !session.verified || session.invoiceNumber === undefined) return toPage(reply);
    const user = await kredmint.onboarding.user(session.partnerId, session.mobile);
    if (!user.identity) return toPage(reply);
    try {
      await kredmint.disbursals.confirm(
        user.identity.userId,
        session.invoiceNumber,
        session.partnerId,
        caller(request, session),
      );
    } catch (error) {
      const text = holdRefusalText(error);
      if (text === undefined) throw error;
      return again(request, reply, session, text);
    }
    return toPage(reply);
  });

  post("upload", uploadForm, async (session, form, request, reply) => {
    if (!session.mobile || !session.verified) return toPage(reply);
    if (!form.file) return again(request, reply, session, "Choose a csv or json file.");
    try {
      const target = { partnerId: session.partnerId, username: session.mobile };
      await kredmint.onboarding.uploadFinancialData(target, form.file, caller(request, session));
    } catch (error) {
      if (!(error instanceof KredmintRefusal)) throw error;
      return again(request, reply, session, error.message);
    }
    return toPage(reply);
  });
}

const TOO_MANY_CODES = "Too many codes were sent to this number. Try again in a few minutes.";

/** What the user reads when the credit line refuses the hold (README: Partner API, invoice pay by credit). */
function holdRefusalText(error: unknown): string | undefined {
  if (!(error instanceof Rejection)) return undefined;
  switch (error.rule) {
    case "credit_limit_must_cover_amount":
      return "Your available credit is less than this invoice, so it cannot be paid by credit.";
    case "credit_line_must_be_open":
      return "Your credit limit is not active, so this invoice cannot be paid by credit.";
    case "buyer_must_not_have_overdue_debt":
      return "You have an overdue amount; repay it first to pay by credit.";
    default:
      return undefined;
  }
}

function send(reply: FastifyReply, status: number, page: SafeHtml) {
  // Forms post only to us; the links out (deep links) are plain navigation.
  return sendHtmlPage(reply, status, page, { styleHash: STYLE_HASH });
}

function statusOf(error: unknown): number {
  if (
    error !== null &&
    typeof error === "object" &&
    "statusCode" in error &&
    typeof error.statusCode === "number"
  ) {
    return error.statusCode;
  }
  if (error instanceof KredmintRefusal) return error.status;
  return error instanceof Error && error.name === "KredmintRequestInvalid" ? 400 : 500;
}
