import { createHash } from "node:crypto";
import type { FastifyReply } from "fastify";
import type { SafeHtml } from "./html.ts";

// How every server-rendered page is sent (the hosted checkout page, the Partner API's onboarding pages, the
// finance page): never cached, never framed, no script at all, one inline stylesheet allowed by its hash, forms
// posting only to us and the origins the page names. The headers are helmet's (registered by the app shell
// with `global: false`, so JSON routes keep theirs), with a CSP narrowed to what these pages hold.

/** The CSP hash source of one inline stylesheet (`sha256-…`); computed once per page style. */
export const styleHash = (style: string) => `sha256-${createHash("sha256").update(style).digest("base64")}`;

export interface PagePolicy {
  /** styleHash(the page's one inline stylesheet). */
  readonly styleHash: string;
  /** Origins besides ours that the page's forms may lead to (a merchant's store after a 303). */
  readonly formOrigins?: readonly string[];
}

export function sendHtmlPage(
  reply: FastifyReply,
  status: number,
  page: SafeHtml,
  policy: PagePolicy,
): FastifyReply {
  reply.helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: [`'${policy.styleHash}'`],
        formAction: ["'self'", ...new Set(policy.formOrigins ?? [])],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
    frameguard: { action: "deny" },
    referrerPolicy: { policy: "same-origin" },
  });
  return reply
    .code(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .send(page.value);
}
