import { randomUUID } from "node:crypto";
import { LEGACY_HASH_PREFIX } from "../../contracts/secret-refs.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import type { SecretStore } from "../platform/secrets/port.ts";
import { hashSecret, verifySecret } from "./credentials.ts";

// Buyers' PINs and fixed OTPs (the sandbox's) live in the secret store as salted scrypt hashes, sealed;
// their events carry the reference only, so the log holds nothing a 6-digit PIN could be brute-forced from
// (DESIGN.md "HTTP"). A reference no event names (a crash between the two writes) is never read. Two older
// forms still verify: `hash:<scrypt>` (BuyerRegistered v1 recorded the hash in the clear) and a PinSet
// reference into buyer_pins, the plain table that held PINs set through links before the secret store.
const LEGACY_PINS = `CREATE TABLE IF NOT EXISTS buyer_pins (
  pin_ref TEXT PRIMARY KEY, pin_hash TEXT NOT NULL, stored_at TEXT NOT NULL)`;

export type BuyerSecrets = ReturnType<typeof buyerSecrets>;

export function buyerSecrets(secrets: SecretStore, readStore: ReadStore) {
  let legacyReady: Promise<unknown> | undefined;
  const legacyPin = async (ref: string) => {
    legacyReady ??= readStore.query(LEGACY_PINS);
    await legacyReady;
    const [row] = await readStore.query("SELECT pin_hash FROM buyer_pins WHERE pin_ref = ?", [ref]);
    return row === undefined ? undefined : String(row.pin_hash);
  };
  return {
    /** Stores the PIN's (or code's) scrypt hash and answers the reference an event may carry. */
    async store(secret: string): Promise<string> {
      const ref = `bs_${randomUUID()}`;
      await secrets.put(ref, hashSecret(secret));
      return ref;
    },

    /** Whether `secret` is the one stored under `ref`; an unknown reference matches nothing. */
    async matches(ref: string, secret: string): Promise<boolean> {
      const hash = ref.startsWith(LEGACY_HASH_PREFIX)
        ? ref.slice(LEGACY_HASH_PREFIX.length)
        : ((await secrets.get(ref)) ?? (await legacyPin(ref)));
      return hash !== undefined && verifySecret(secret, hash);
    },
  };
}
