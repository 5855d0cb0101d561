import { createHash } from "node:crypto";

/** A 256-bit AES key and its id: the first 16 hex digits of its SHA-256, so ids need no naming. */
export interface SecretKey {
  readonly id: string;
  readonly key: Buffer;
}

/** The key new values are sealed with, and every key a stored value may still be sealed with. */
export interface Keyring {
  readonly current: SecretKey;
  readonly byId: ReadonlyMap<string, SecretKey>;
}

/**
 * The key used when SECRET_STORE_KEY is unset outside production, so a development or test service starts
 * with no setup. It is public (derived from this text), so it protects nothing: production refuses to start
 * without a key of its own (platform/config.ts).
 */
export const DEVELOPMENT_SECRET_KEY = createHash("sha256")
  .update("ledger development secret store key")
  .digest();

export function secretKey(key: Buffer): SecretKey {
  if (key.length !== 32) throw new Error(`a secret store key is 32 bytes, not ${key.length}`);
  return { id: createHash("sha256").update(key).digest("hex").slice(0, 16), key };
}

/** The keyring of `current` (sealing and opening) and `previous` (opening only, until rotated away). */
export function keyring(current: Buffer, previous: readonly Buffer[] = []): Keyring {
  const keys = [current, ...previous].map(secretKey);
  return { current: keys[0]!, byId: new Map(keys.map((k) => [k.id, k])) };
}

/** The keyring configuration names: SECRET_STORE_KEY (or the development key) and SECRET_STORE_OLD_KEYS. */
export function configuredKeyring(config: {
  readonly SECRET_STORE_KEY?: Buffer | undefined;
  readonly SECRET_STORE_OLD_KEYS: readonly Buffer[];
}): Keyring {
  return keyring(config.SECRET_STORE_KEY ?? DEVELOPMENT_SECRET_KEY, config.SECRET_STORE_OLD_KEYS);
}
