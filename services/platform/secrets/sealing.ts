import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { Keyring } from "./keyring.ts";

/** A value sealed at rest: AES-256-GCM under the key `keyId`, with its 96-bit nonce and 128-bit tag. */
export interface Sealed {
  readonly keyId: string;
  /** base64 of nonce ‖ ciphertext ‖ tag. */
  readonly sealed: string;
}

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals `plaintext` with the keyring's current key. `ref` is the associated data, so a sealed value copied
 * onto another reference fails to open rather than answering someone else's secret.
 */
export function seal(keys: Keyring, ref: string, plaintext: string): Sealed {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", keys.current.key, nonce);
  cipher.setAAD(Buffer.from(ref));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return {
    keyId: keys.current.id,
    sealed: Buffer.concat([nonce, body, cipher.getAuthTag()]).toString("base64"),
  };
}

/** Opens a sealed value; throws when its key is not in the keyring or it was altered (or moved to another ref). */
export function open(keys: Keyring, ref: string, { keyId, sealed }: Sealed): string {
  const key = keys.byId.get(keyId);
  if (key === undefined) {
    throw new Error(
      `secret ${ref} is sealed with key ${keyId}, which SECRET_STORE_KEY/SECRET_STORE_OLD_KEYS lack`,
    );
  }
  const bytes = Buffer.from(sealed, "base64");
  const decipher = createDecipheriv("aes-256-gcm", key.key, bytes.subarray(0, NONCE_BYTES));
  decipher.setAAD(Buffer.from(ref));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  return Buffer.concat([
    decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)),
    decipher.final(),
  ]).toString("utf8");
}
