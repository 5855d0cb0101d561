import formbody from "@fastify/formbody";
import type { FastifyInstance } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import type { CheckoutService } from "../checkout-service.ts";
import type { HostedPage } from "./browser.ts";
import { messages } from "./i18n.ts";
import { pinLinkPage } from "./pin-link-page.ts";
import { FAULT, pageAnswer } from "./rejections.ts";
import { languageOf, send } from "./respond.ts";
import { approveStep } from "./steps/approve.ts";
import { cancelStep } from "./steps/cancel.ts";
import { credentialsStep } from "./steps/credentials.ts";
import { otpStep } from "./steps/otp.ts";
import { pageStep } from "./steps/page.ts";
import { qrStep } from "./steps/qr.ts";
import { tokenizePageSteps } from "./tokenize-page.ts";
import { messagePage } from "./views.ts";

export interface HostedPageOptions {
  readonly checkout: CheckoutService;
}

/**
 * The hosted checkout page (seed 001 "2-click Checkout", and the QR of an offline checkout that leads to it:
 * `GET /qr/<transaction_id>.png`): `GET /signIn?tk=<transaction_id>` shows the
 * step the checkout is at for this browser; each step's form posts to `/signIn/<transaction_id>/<action>`
 * and, on success, is answered 303 back to the page (post/redirect/get). Mount under `/kredivo`. How the
 * browser is known (session and CSRF cookies) is in browser.ts; each step is in steps/.
 */
export async function hostedPageRoutes(app: FastifyInstance, options: HostedPageOptions): Promise<void> {
  // Forms only: the page's posts are application/x-www-form-urlencoded, anything else is refused (415).
  app.removeAllContentTypeParsers();
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  const page: HostedPage = { checkout: options.checkout, path: `${app.prefix}/signIn` };

  app.setErrorHandler(async (error, request, reply) => {
    const language = languageOf(request, undefined);
    const t = messages[language];
    const answer = pageAnswer(error);
    const status = statusOf(error);
    if (
      answer === undefined &&
      (hasZodFastifySchemaValidationErrors(error) || (status >= 400 && status < 500))
    ) {
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
    // A refusal as PAGE_ANSWERS says; anything else, and a step's own answers (its current step, the
    // summary), which never reach here, is a fault of ours.
    const shown = answer?.show === "message" ? answer : FAULT;
    if (shown.status >= 500) request.log.error({ err: error }, "hosted page failed");
    const body = { heading: t[shown.heading], body: t[shown.body], kind: shown.kind };
    return send(reply, shown.status, messagePage(language, t, body));
  });

  pageStep(app, page);
  credentialsStep(app, page);
  otpStep(app, page);
  approveStep(app, page);
  cancelStep(app, page);
  qrStep(app, page);
  tokenizePageSteps(app, options.checkout);
  pinLinkPage(app, options.checkout);
}

function statusOf(error: unknown): number {
  if (error !== null && typeof error === "object" && "statusCode" in error) {
    const code = error.statusCode;
    if (typeof code === "number") return code;
  }
  return 500;
}
