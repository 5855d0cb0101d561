import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";

// The eligibility banner's `landingUrl`: `/kredmint/auth/?sid=…&userId=USR-…&token=…`, a link to our
// onboarding page that carries the partner's deep links, signed so nobody can forge or alter one, and
// expiring. Stateless: `sid` is the link's content (base64url JSON), `token` its HMAC-SHA256 under
// KREDMINT_LINK_SECRET, so a link costs no write and survives a restart when the secret is configured.

export interface LandingLink {
  readonly partnerId: string;
  readonly userId: string;
  readonly page: "profile" | "payment";
  /** Page `payment`: the invoice the user confirms on the page. */
  readonly invoiceNumber?: string | undefined;
  /** Epoch milliseconds after which the link is refused. */
  readonly expiresAtMs: number;
  readonly successDeepLink?: string | undefined;
  readonly failureDeepLink?: string | undefined;
  readonly backDeepLink?: string | undefined;
}

export type LinkRefusal = "link_malformed" | "link_signature_invalid" | "link_expired" | "link_user_mismatch";

const sign = (secret: string, sid: string) => createHmac("sha256", secret).update(sid).digest("base64url");

export function landingLinks(secret: string) {
  return {
    /** The query string of the link: `sid`, `userId` and `token`. */
    issue(link: LandingLink): { sid: string; userId: string; token: string } {
      const sid = Buffer.from(JSON.stringify(link)).toString("base64url");
      return { sid, userId: link.userId, token: sign(secret, sid) };
    },

    /** The link's content, or why it is refused. */
    verify(
      query: { sid: string; userId: string; token: string },
      nowMs: number,
    ): { ok: true; link: LandingLink } | { ok: false; refusal: LinkRefusal } {
      const expected = Buffer.from(sign(secret, query.sid));
      const given = Buffer.from(query.token);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
        return { ok: false, refusal: "link_signature_invalid" };
      }
      const link = parseLink(query.sid);
      if (!link) return { ok: false, refusal: "link_malformed" };
      if (link.userId !== query.userId) return { ok: false, refusal: "link_user_mismatch" };
      if (nowMs > link.expiresAtMs) return { ok: false, refusal: "link_expired" };
      return { ok: true, link };
    },
  };
}

const linkSchema = z.object({
  partnerId: z.string(),
  userId: z.string(),
  page: z.enum(["profile", "payment"]),
  invoiceNumber: z.string().optional(),
  expiresAtMs: z.number().int(),
  successDeepLink: z.string().optional(),
  failureDeepLink: z.string().optional(),
  backDeepLink: z.string().optional(),
});

function parseLink(sid: string): LandingLink | undefined {
  try {
    const parsed = linkSchema.safeParse(JSON.parse(Buffer.from(sid, "base64url").toString("utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
