import { randomBytes, timingSafeEqual } from "node:crypto";
import { sha256Hex } from "../platform/digest.ts";

/** Secrets are kept as their SHA-256 (hex): the log and the read models never hold a secret. */
export { sha256Hex };

/** A new secret for a partner registered without one (24 random bytes, base64url). */
export const newSecret = () => randomBytes(24).toString("base64url");

/** Whether `secret` hashes to `hash`, compared in constant time. */
export function secretMatches(secret: string, hash: string): boolean {
  const given = Buffer.from(sha256Hex(secret), "hex");
  const expected = Buffer.from(hash, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const BASIC = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i;

/** `Authorization: Basic base64(partnerId:secret)`, split; undefined when it is not that. */
export function parseBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const encoded = header === undefined ? undefined : BASIC.exec(header)?.[1];
  if (encoded === undefined) return undefined;
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) return undefined;
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}
