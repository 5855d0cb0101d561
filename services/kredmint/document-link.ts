import { createHmac, timingSafeEqual } from "node:crypto";
import { KREDMINT_MOUNT } from "../../contracts/kredmint/envelope.ts";

// A document's `url`: `/kredmint/files/<relativeUrl>?expires=<epoch ms>&signature=…`, like a presigned
// object-store link: whoever holds it may fetch the file until it expires, no credentials needed. The signature
// is HMAC-SHA256 of the relative URL and the expiry under KREDMINT_LINK_SECRET ("document:" keeps it apart from
// the landing links signed with the same secret).

const sign = (secret: string, relativeUrl: string, expiresMs: number) =>
  createHmac("sha256", secret).update(`document:${relativeUrl}:${expiresMs}`).digest("base64url");

/** How long a document's signed `url` lives (the seed's `urlExpiryDate` is 24 hours after the upload). */
export const DOCUMENT_URL_TTL_MS = 24 * 60 * 60 * 1000;

export function documentLinks(secret: string) {
  const query = (relativeUrl: string, expiresMs: number): string =>
    `expires=${expiresMs}&signature=${sign(secret, relativeUrl, expiresMs)}`;
  return {
    /** The document's signed `url` and its `urlExpiryDate`, valid for DOCUMENT_URL_TTL_MS from `nowMs`. */
    url(publicBaseUrl: string, relativeUrl: string, nowMs: number): { url: string; urlExpiryDate: number } {
      const urlExpiryDate = nowMs + DOCUMENT_URL_TTL_MS;
      return {
        url: `${publicBaseUrl}${KREDMINT_MOUNT}/files/${relativeUrl}?${query(relativeUrl, urlExpiryDate)}`,
        urlExpiryDate,
      };
    },
    valid(relativeUrl: string, expiresMs: number, signature: string, nowMs: number): boolean {
      const expected = Buffer.from(sign(secret, relativeUrl, expiresMs));
      const given = Buffer.from(signature);
      return expected.length === given.length && timingSafeEqual(expected, given) && nowMs <= expiresMs;
    },
  };
}
