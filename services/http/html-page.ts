import { createHash } from "node:crypto";
import type { FastifyReply } from "fastify";
import type { SafeHtml } from "./html.ts";

// How a server-rendered page is sent: never cached, never framed, no script at all, one inline stylesheet
// allowed by its hash, forms posting only to us.

/** The CSP source for one inline stylesheet. */
export const styleHash = (style: string) => `'sha256-${createHash("sha256").update(style).digest("base64")}'`;

export function sendHtmlPage(
  reply: FastifyReply,
  status: number,
  page: SafeHtml,
  style: string,
): FastifyReply {
  return reply
    .code(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .header(
      "content-security-policy",
      `default-src 'none'; style-src ${styleHash(style)}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    )
    .header("x-frame-options", "DENY")
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "same-origin")
    .send(page.value);
}
