import { randomBytes } from "node:crypto";

/** A new secret for a partner registered without one (24 random bytes, base64url). */
export const newSecret = () => randomBytes(24).toString("base64url");

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
