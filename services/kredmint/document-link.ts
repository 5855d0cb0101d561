import { createHmac, timingSafeEqual } from "node:crypto";

// A document's `url`: `/kredmint/files/<relativeUrl>?expires=<epoch ms>&signature=…`, like a presigned
// object-store link: whoever holds it may fetch the file until it expires, no credentials needed. The signature
// is HMAC-SHA256 of the relative URL and the expiry under KREDMINT_LINK_SECRET ("document:" keeps it apart from
// the landing links signed with the same secret).

const sign = (secret: string, relativeUrl: string, expiresMs: number) =>
  createHmac("sha256", secret).update(`document:${relativeUrl}:${expiresMs}`).digest("base64url");

export function documentLinks(secret: string) {
  return {
    query(relativeUrl: string, expiresMs: number): string {
      return `expires=${expiresMs}&signature=${sign(secret, relativeUrl, expiresMs)}`;
    },
    valid(relativeUrl: string, expiresMs: number, signature: string, nowMs: number): boolean {
      const expected = Buffer.from(sign(secret, relativeUrl, expiresMs));
      const given = Buffer.from(signature);
      return expected.length === given.length && timingSafeEqual(expected, given) && nowMs <= expiresMs;
    },
  };
}
