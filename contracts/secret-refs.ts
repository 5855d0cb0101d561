// How events name secrets (DESIGN.md "HTTP"): by a reference into the secret store, never the secret nor a
// hash that stands in for it. Events written before that recorded a SHA-256 or a scrypt hash in the clear;
// their upcasters turn the hash into a legacy reference of one of these forms, which readers still resolve
// (docs/secrets.md).

/** A SHA-256 hex (of a server key or a partner secret) an old event recorded in the clear. */
export const LEGACY_SHA256_PREFIX = "sha256:";
export const legacySha256Ref = (sha256Hex: string) => `${LEGACY_SHA256_PREFIX}${sha256Hex}`;

/** A scrypt hash (of a PIN or a fixed OTP) an old event recorded in the clear. */
export const LEGACY_HASH_PREFIX = "hash:";
export const legacyHashRef = (hash: string) => `${LEGACY_HASH_PREFIX}${hash}`;
