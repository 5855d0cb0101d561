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

const sessionCookie = (id: string) => `kredivo_session_${id}`;
const csrfCookie = (id: string) => `kredivo_csrf_${id}`;
const cookiesOf = (request: FastifyRequest) => parseCookies(request.headers.cookie);

/**
 * What a browser's cookies are for: a checkout or a tokenization (both pages sign the buyer in the same
 * way), by its id, until it expires, and the public URL of its page (its origin may post; https → Secure).
 */
export interface BrowserSubject {
  readonly id: string;
  readonly expiresAt: string;
  readonly publicUrl: string;
}

const checkoutSubject = (page: HostedPage, initiated: InitiatedData): BrowserSubject => ({
  id: initiated.transactionId,
  expiresAt: initiated.expiresAt,
  publicUrl: page.checkout.checkoutUrl(initiated.transactionId),
});

function cookieOptions(page: HostedPage, request: FastifyRequest, subject: BrowserSubject, clear = false) {
  return {
    path: page.path,
    // Secure whenever the buyer reaches us over TLS, also through a proxy that terminates it.
    secure: request.protocol === "https" || subject.publicUrl.startsWith("https:"),
    // Lives as long as the checkout can be worked on; then the browser drops it.
    maxAge: clear ? 0 : Math.max(0, Math.ceil((Date.parse(subject.expiresAt) - Date.now()) / 1000)),
  };
}

/** The session cookie, when it is the one the checkout's current session was opened with. */
export function sessionOf(request: FastifyRequest, tx: string, state: CheckoutState): string | undefined {
  return sessionMatching(request, tx, state.sessionHash);
}

/** The session cookie for `id`, when its hash is `sessionHash` (the current session's). */
export function sessionMatching(
  request: FastifyRequest,
  id: string,
  sessionHash: string | undefined,
): string | undefined {
  const session = cookiesOf(request).get(sessionCookie(id));
  if (session === undefined || sessionHash === undefined) return undefined;
  return sha256Hex(session) === sessionHash ? session : undefined;
}

/** Whether this browser holds a session cookie for the checkout, current or not. */
export function hasSessionCookie(request: FastifyRequest, tx: string): boolean {
  return cookiesOf(request).has(sessionCookie(tx));
}

export function startSession(
  page: HostedPage,
  request: FastifyRequest,
  reply: FastifyReply,
  initiated: InitiatedData,
  session: string,
): void {
  startSessionFor(page, request, reply, checkoutSubject(page, initiated), session);
}

export function startSessionFor(
  page: HostedPage,
  request: FastifyRequest,
  reply: FastifyReply,
  subject: BrowserSubject,
  session: string,
): void {
  reply.header(
    "set-cookie",
    serializeCookie(sessionCookie(subject.id), session, cookieOptions(page, request, subject)),
  );
}

/** The CSRF token of this browser for this transaction, minted (and set) on first sight. */
export function csrfFor(
  page: HostedPage,
  request: FastifyRequest,
  reply: FastifyReply,
  initiated: InitiatedData,
): string {
  return csrfForSubject(page, request, reply, checkoutSubject(page, initiated));
}

export function csrfForSubject(
  page: HostedPage,
  request: FastifyRequest,
  reply: FastifyReply,
  subject: BrowserSubject,
): string {
  const existing = cookiesOf(request).get(csrfCookie(subject.id));
  if (existing !== undefined) return existing;
  const token = randomBytes(24).toString("base64url");
  reply.header(
    "set-cookie",
    serializeCookie(csrfCookie(subject.id), token, cookieOptions(page, request, subject)),
  );
  return token;
}

export function clearCookies(
  page: HostedPage,
  request: FastifyRequest,
  reply: FastifyReply,
  initiated: InitiatedData,
): void {
  clearCookiesFor(page, request, reply, checkoutSubject(page, initiated));
}

export function clearCookiesFor(
  page: HostedPage,
  request: FastifyRequest,
  reply: FastifyReply,
  subject: BrowserSubject,
): void {
  const clear = cookieOptions(page, request, subject, true);
  reply.header("set-cookie", [
    serializeCookie(sessionCookie(subject.id), "", clear),
    serializeCookie(csrfCookie(subject.id), "", clear),
  ]);
}

/**
 * A post must come from this page: the browser's Sec-Fetch-Site / Origin (when sent) must say same
 * origin, and the form's token must equal this browser's CSRF cookie (which a cross-site post never
 * carries, SameSite=Lax).
 */
export function forged(page: HostedPage, request: FastifyRequest, tx: string, token: string): boolean {
  return forgedFor(request, tx, page.checkout.checkoutUrl(tx), token);
}

/** forged() for any subject: `publicUrl` is its page's public URL, whose origin may post. */
export function forgedFor(request: FastifyRequest, id: string, publicUrl: string, token: string): boolean {
  const site = request.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") return true;
  const origin = request.headers.origin;
  if (origin !== undefined && !allowedOrigins(request, publicUrl).has(origin)) return true;
  const cookie = cookiesOf(request).get(csrfCookie(id));
  if (cookie === undefined || token === "") return true;
  const a = Buffer.from(cookie);
  const b = Buffer.from(token);
  return a.length !== b.length || !timingSafeEqual(a, b);
}

function allowedOrigins(request: FastifyRequest, publicUrl: string): Set<string> {
  const origins = new Set([`${request.protocol}://${request.host}`]);
  try {
    origins.add(new URL(publicUrl).origin);
  } catch {
    // No public base URL yet: only the request's own origin.
  }
  return origins;
}
