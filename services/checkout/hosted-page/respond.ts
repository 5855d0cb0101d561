import type { FastifyReply, FastifyRequest } from "fastify";
import type { SafeHtml } from "../../http/html.ts";
import { sendHtmlPage } from "../../http/html-page.ts";
import type { CheckoutState } from "../../ledger/checkout/checkout.decider.ts";
import { MAX_FAILED_AUTH_ATTEMPTS } from "../../ledger/checkout/checkout.decider.ts";
import type { InitiatedData } from "../../ledger/checkout/checkout.events.ts";
import type { Caller } from "../../ledger/decider.ts";
import { csrfFor, type HostedPage } from "./browser.ts";
import { type Lang, messages, pickLang } from "./i18n.ts";
import { messagePage, type OrderView, type PageContext, reasonText, STYLE_HASH } from "./views.ts";

// How the page answers a browser: HTML with strict headers, or a 303 to the step the checkout is at.

export const pageUrl = (page: HostedPage, tx: string, language: Lang) =>
  `${page.path}?tk=${encodeURIComponent(tx)}&lang=${language}`;

const actionUrl = (page: HostedPage, tx: string, action: string) =>
  `${page.path}/${encodeURIComponent(tx)}/${action}`;

/** Post/redirect/get: after a form, the browser shows the page again, at the checkout's current step. */
export const toPage = (reply: FastifyReply, page: HostedPage, tx: string, language: Lang) =>
  reply.redirect(pageUrl(page, tx, language), 303);

export const languageOf = (request: FastifyRequest, explicit: Lang | undefined) =>
  pickLang(explicit, request.headers["accept-language"]);

export const buyerCaller = (request: FastifyRequest): Caller => ({
  actor: "buyer",
  correlationId: request.correlationId ?? request.id,
  causationId: request.id,
});

/** Where a page's forms and redirects may lead besides us: a checkout's or a tokenization's store pages. */
export interface StorePages {
  readonly backToStoreUrl: string;
  readonly cancelUrl?: string | undefined;
}

export function send(reply: FastifyReply, status: number, page: SafeHtml, initiated?: StorePages) {
  // Forms may only go to us; the 303s after approve and cancel lead on to the merchant's pages.
  const formOrigins = [initiated?.backToStoreUrl, initiated?.cancelUrl].flatMap((url) => originOf(url) ?? []);
  return sendHtmlPage(reply, status, page, { styleHash: STYLE_HASH, formOrigins });
}

/** What every form page of a transaction needs: words, order, form targets and this browser's CSRF token. */
export function contextFor(
  page: HostedPage,
  request: FastifyRequest,
  reply: FastifyReply,
  initiated: InitiatedData,
  language: Lang,
): PageContext {
  const tx = initiated.transactionId;
  return {
    lang: language,
    t: messages[language],
    order: orderView(initiated),
    actions: {
      credentials: actionUrl(page, tx, "credentials"),
      otp: actionUrl(page, tx, "otp"),
      approve: actionUrl(page, tx, "approve"),
      cancel: actionUrl(page, tx, "cancel"),
    },
    csrf: csrfFor(page, request, reply, initiated),
    otherLanguageHref: pageUrl(page, tx, language === "en" ? "vi" : "en"),
  };
}

/** A page for a checkout that is not waiting for a form: locked, denied or finished. */
export function outcomePage(language: Lang, state: CheckoutState, initiated: InitiatedData, reason?: string) {
  const t = messages[language];
  const back = { backToStoreUrl: initiated.backToStoreUrl, order: orderView(initiated) };
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

/** A post that did not come from this page (403). */
export function refuse(reply: FastifyReply, language: Lang, initiated: InitiatedData) {
  const t = messages[language];
  const page = messagePage(language, t, {
    heading: t.forbiddenHeading,
    body: t.forbiddenBody,
    kind: "forbidden",
    order: orderView(initiated),
  });
  return send(reply, 403, page, initiated);
}

/** The tenures to choose from, the one the merchant asked for selected when the buyer may have it. */
export async function tenureView(page: HostedPage, initiated: InitiatedData) {
  const options = await page.checkout.tenureOptions(initiated.transactionId);
  const eligible = options.filter((o) => o.eligible).map((o) => o.terms.tenure);
  return { options, selected: eligible.includes(initiated.tenure) ? initiated.tenure : eligible[0] };
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
