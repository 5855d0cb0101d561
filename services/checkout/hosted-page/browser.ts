import { randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { parseCookies, serializeCookie } from "../../http/cookies.ts";
import type { CheckoutState } from "../../ledger/checkout/checkout.decider.ts";
import type { InitiatedData } from "../../ledger/checkout/checkout.events.ts";
import type { CheckoutService } from "../checkout-service.ts";
import { sha256Hex } from "../credentials.ts";

// What the page knows of a buyer's browser. The session token `signIn` returns lives only in an HttpOnly,
// SameSite=Lax cookie named after the transaction and scoped to the page's path; the log keeps its hash.
// Every post also carries a double-submit CSRF token (cookie + hidden field) and is refused when the browser
// says it came from another origin.

/** The page of one mount: its path (cookies are scoped to it) and the use cases behind it. */
export interface HostedPage {
  readonly checkout: CheckoutService;
  /** e.g. /kredivo/signIn */
  readonly path: string;
}

const sessionCookie = (tx: string) => `kredivo_session_${tx}`;
const csrfCookie = (tx: string) => `kredivo_csrf_${tx}`;
const cookiesOf = (request: FastifyRequest) => parseCookies(request.headers.cookie);

function cookieOptions(page: HostedPage, request: FastifyRequest, initiated: InitiatedData, clear = false) {
  return {
    path: page.path,
    // Secure whenever the buyer reaches us over TLS, also through a proxy that terminates it.
    secure:
      request.protocol === "https" || page.checkout.checkoutUrl(initiated.transactionId).startsWith("https:"),
    // Lives as long as the checkout can be worked on; then the browser drops it.
    maxAge: clear ? 0 : Math.max(0, Math.ceil((Date.parse(initiated.expiresAt) - Date.now()) / 1000)),
  };
}

/** The session cookie, when it is the one the checkout's current session was opened with. */
export function sessionOf(request: FastifyRequest, tx: string, state: CheckoutState): string | undefined {
  const session = cookiesOf(request).get(sessionCookie(tx));
  if (session === undefined || state.sessionHash === undefined) return undefined;
  return sha256Hex(session) === state.sessionHash ? session : undefined;
}

/** Whether this browser holds a session cookie for the checkout, current or not. */
export function hasSessionCookie(request: FastifyRequest, tx: string): boolean {
  return cookiesOf(request).has(sessionCookie(tx));
}

export function startSession(
  page: HostedPage,
  request: FastifyRequest,
  reply: FastifyReply,
  tx: string,
  initiated: InitiatedData,
  session: string,
): void {
  reply.header(
    "set-cookie",
    serializeCookie(sessionCookie(tx), session, cookieOptions(page, request, initiated)),
  );
}

/** The CSRF token of this browser for this transaction, minted (and set) on first sight. */
export function csrfFor(
  page: HostedPage,
  request: FastifyRequest,
  reply: FastifyReply,
  tx: string,
  initiated: InitiatedData,
): string {
  const existing = cookiesOf(request).get(csrfCookie(tx));
  if (existing !== undefined) return existing;
  const token = randomBytes(24).toString("base64url");
  reply.header("set-cookie", serializeCookie(csrfCookie(tx), token, cookieOptions(page, request, initiated)));
  return token;
}

export function clearCookies(
  page: HostedPage,
  request: FastifyRequest,
  reply: FastifyReply,
  tx: string,
  initiated: InitiatedData,
): void {
  const clear = cookieOptions(page, request, initiated, true);
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
export function forged(page: HostedPage, request: FastifyRequest, tx: string, token: string): boolean {
  const site = request.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") return true;
  const origin = request.headers.origin;
  if (origin !== undefined && !allowedOrigins(page, request, tx).has(origin)) return true;
  const cookie = cookiesOf(request).get(csrfCookie(tx));
  if (cookie === undefined || token === "") return true;
  const a = Buffer.from(cookie);
  const b = Buffer.from(token);
  return a.length !== b.length || !timingSafeEqual(a, b);
}

function allowedOrigins(page: HostedPage, request: FastifyRequest, tx: string): Set<string> {
  const origins = new Set([`${request.protocol}://${request.host}`]);
  try {
    origins.add(new URL(page.checkout.checkoutUrl(tx)).origin);
  } catch {
    // No public base URL yet: only the request's own origin.
  }
  return origins;
}
