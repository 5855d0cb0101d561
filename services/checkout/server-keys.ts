import { randomUUID } from "node:crypto";
import { legacyServerKeyRef } from "../ledger/merchant/merchant.events.ts";
import type { SecretStore } from "../platform/secrets/port.ts";
import { sha256Hex } from "./credentials.ts";

const LEGACY_PREFIX = legacyServerKeyRef("");

// The seed's push `signature_key` is keyed with hex(SHA-256(server_key)), so that hash is a signing key: it
// lives in the secret store, sealed, and the merchant's events name it by a reference. The store finds a
// presented key by a digest that is not the signing key (another domain), so neither the log nor the
// lookup column lets anyone sign a push.
const lookupOf = (serverKey: string) => sha256Hex(`kredivo server_key lookup:${serverKey}`);

export type ServerKeys = ReturnType<typeof serverKeys>;

export function serverKeys(secrets: SecretStore) {
  const stored = (serverKey: string) => secrets.refByLookup(lookupOf(serverKey));
  return {
    /**
     * The reference an event records for `serverKey`, storing its signing key first. One key has one
     * reference (found by its lookup digest), so registering or rotating to the same key again is a no-op.
     */
    async referenceOf(serverKey: string): Promise<string> {
      const existing = await stored(serverKey);
      if (existing !== undefined) return existing;
      const ref = `sk_${randomUUID()}`;
      try {
        await secrets.put(ref, sha256Hex(serverKey), { lookup: lookupOf(serverKey) });
        return ref;
      } catch (error) {
        // A concurrent store of the same key won the lookup's uniqueness: use its reference.
        const raced = await stored(serverKey);
        if (raced === undefined) throw error;
        return raced;
      }
    },

    /** Every reference `serverKey` may be recorded under: the secret store's, and the legacy one of old events. */
    async referencesOf(serverKey: string): Promise<string[]> {
      const ref = await stored(serverKey);
      const legacy = legacyServerKeyRef(sha256Hex(serverKey));
      return ref === undefined ? [legacy] : [ref, legacy];
    },

    /** The push signing key (the UTF-8 text of hex(SHA-256(server_key))) that a reference names. */
    async signingKey(serverKeyRef: string): Promise<string> {
      if (serverKeyRef.startsWith(LEGACY_PREFIX)) return serverKeyRef.slice(LEGACY_PREFIX.length);
      const key = await secrets.get(serverKeyRef);
      // A throw fails the attempt (retried, then dead-lettered): never a push signed with another key.
      if (key === undefined) throw new Error(`server key ${serverKeyRef} is missing from the secret store`);
      return key;
    },
  };
}
