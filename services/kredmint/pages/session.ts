import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { parseCookies, serializeCookie } from "../../http/cookies.ts";

// What the onboarding pages know of a browser: a session cookie that carries its own state (the partner, the
// user's mobile once known, whether the OTP was passed, the partner's deep links, an expiry), HMAC-signed under
// KREDMINT_LINK_SECRET ("session:" keeps it apart from the links signed with it), HttpOnly and SameSite=Lax,
// scoped to the pages' path. Every post also carries a double-submit CSRF token (cookie + hidden field) and is
// refused when the browser says it came from another origin.

/** How long a browser may take to onboard before it has to open the link again. */
export const SESSION_SECONDS = 3600;

const SESSION_COOKIE = "kredmint_onboarding";
const CSRF_COOKIE = "kredmint_csrf";

const sessionSchema = z.object({
  partnerId: z.string(),
  /** Set when the link named the user (landingUrl or the static URL's `mobile`): the mobile step cannot change it. */
  boundMobile: z.string().optional(),
  mobile: z.string().optional(),
  verified: z.boolean(),
  successDeepLink: z.string().optional(),
  failureDeepLink: z.string().optional(),
  backDeepLink: z.string().optional(),
  /** Page `payment`: the invoice the user confirms once the OTP is passed. */
  invoiceNumber: z.string().optional(),
  expiresAtMs: z.number().int(),
});
export type PageSession = z.infer<typeof sessionSchema>;

export interface PageSessions {
  readonly path: string;
  read(request: FastifyRequest, nowMs: number): PageSession | undefined;
  write(request: FastifyRequest, reply: FastifyReply, session: PageSession): void;
  /** This browser's CSRF token, minted (and set) on first sight. */
  csrf(request: FastifyRequest, reply: FastifyReply): string;
  /** A post that did not come from our page: another origin, or a token that is not this browser's. */
  forged(request: FastifyRequest, token: string): boolean;
}

export function pageSessions(options: {
  readonly secret: string;
  readonly path: string;
  readonly publicBaseUrl: () => string;
}): PageSessions {
  const sign = (body: string) =>
    createHmac("sha256", options.secret).update(`session:${body}`).digest("base64url");
  const secure = (request: FastifyRequest) =>
    request.protocol === "https" || options.publicBaseUrl().startsWith("https:");
  const cookieOptions = (request: FastifyRequest) => ({
    path: options.path,
    secure: secure(request),
    maxAge: SESSION_SECONDS,
  });
  const cookies = (request: FastifyRequest) => parseCookies(request.headers.cookie);
  // fastify appends a set-cookie header to the ones already set.
  const setCookie = (reply: FastifyReply, cookie: string) => reply.header("set-cookie", cookie);

  return {
    path: options.path,
    read(request, nowMs) {
      const [body = "", signature = ""] = (cookies(request).get(SESSION_COOKIE) ?? "").split(".");
      const expected = Buffer.from(sign(body));
      const given = Buffer.from(signature);
      if (body === "" || expected.length !== given.length || !timingSafeEqual(expected, given))
        return undefined;
      try {
        const parsed = sessionSchema.safeParse(JSON.parse(Buffer.from(body, "base64url").toString("utf8")));
        return parsed.success && parsed.data.expiresAtMs >= nowMs ? parsed.data : undefined;
      } catch {
        return undefined;
      }
    },
    write(request, reply, session) {
      const body = Buffer.from(JSON.stringify(session)).toString("base64url");
      setCookie(reply, serializeCookie(SESSION_COOKIE, `${body}.${sign(body)}`, cookieOptions(request)));
    },
    csrf(request, reply) {
      const existing = cookies(request).get(CSRF_COOKIE);
      if (existing !== undefined) return existing;
      const token = randomBytes(24).toString("base64url");
      setCookie(reply, serializeCookie(CSRF_COOKIE, token, cookieOptions(request)));
      return token;
    },
    forged(request, token) {
      const site = request.headers["sec-fetch-site"];
      if (site !== undefined && site !== "same-origin" && site !== "none") return true;
      const origin = request.headers.origin;
      const ours = new Set([`${request.protocol}://${request.host}`]);
      try {
        ours.add(new URL(options.publicBaseUrl()).origin);
      } catch {
        // No public base URL: only the request's own origin.
      }
      if (origin !== undefined && !ours.has(origin)) return true;
      const cookie = cookies(request).get(CSRF_COOKIE);
      if (cookie === undefined || token === "") return true;
      const a = Buffer.from(cookie);
      const b = Buffer.from(token);
      return a.length !== b.length || !timingSafeEqual(a, b);
    },
  };
}
