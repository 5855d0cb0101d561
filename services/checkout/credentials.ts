import { createHmac, randomBytes, scryptSync, timingSafeEqual } from "node:crypto";
import { sha256Hex } from "../platform/digest.ts";

// Secrets never enter the log: server keys are stored as SHA-256 (they are long random tokens), PINs and
// OTPs as salted scrypt (they are short and guessable, so they need a slow hash).

export { sha256Hex };

const SCRYPT = { N: 16384, r: 8, p: 1 } as const;

export function hashSecret(secret: string): string {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString("base64")}$${scryptSync(secret, salt, 32, SCRYPT).toString("base64")}`;
}

export function verifySecret(secret: string, stored: string): boolean {
  const [scheme, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = scryptSync(secret, Buffer.from(salt, "base64"), expected.length, SCRYPT);
  return timingSafeEqual(actual, expected);
}

export function newSessionToken(): string {
  return randomBytes(24).toString("base64url");
}

/**
 * The push notification's `signature_key`, echoed by the merchant in checkout/update. A merchant verifies
 * it as base64(HMAC-SHA256(key = hex(SHA-256(server_key)), "<transaction_id>|<order_id>|<amount>|<tenure>"))
 * with amount in whole VND; it is the same on every push of one transaction.
 */
export function signatureKey(
  serverKeyHash: string,
  fields: { transactionId: string; orderId: string; amountMinor: bigint; tenure: number },
): string {
  const message = `${fields.transactionId}|${fields.orderId}|${fields.amountMinor}|${fields.tenure}`;
  return createHmac("sha256", serverKeyHash).update(message).digest("base64");
}

export function sameSignature(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
