import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { pageSession } from "../../http/page-session.ts";

// What the onboarding pages know of a browser: a session cookie that carries its own state (the partner, the
// user's mobile once known, whether the OTP was passed, the partner's deep links, an expiry), HMAC-signed under
// KREDMINT_LINK_SECRET (the cookie's name in the signature keeps it apart from the links signed with it),
// HttpOnly and SameSite=Lax, scoped to the pages' path (services/http/page-session.ts). Every post also carries
// a double-submit CSRF token (cookie + hidden field) and is refused when the browser says it came from another
// origin.

/** How long a browser may take to onboard before it has to open the link again. */
export const SESSION_SECONDS = 3600;

const SESSION_COOKIE = "kredmint_onboarding";

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
  const session = pageSession({
    schema: sessionSchema,
    name: SESSION_COOKIE,
    secret: options.secret,
    path: options.path,
    maxAgeSeconds: SESSION_SECONDS,
    publicBaseUrl: options.publicBaseUrl,
  });
  return { path: options.path, ...session };
}
