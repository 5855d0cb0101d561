import { randomUUID, timingSafeEqual } from "node:crypto";
import { LEGACY_SHA256_PREFIX } from "../../../contracts/secret-refs.ts";
import { sha256Hex } from "../digest.ts";
import type { SecretStore } from "./port.ts";

/**
 * Long random credentials a caller presents (server keys, partner secrets, client tokens), kept in the secret
 * store as their SHA-256 hex, sealed. That hash must stay out of the log because it is a signing key: the
 * seed's push `signature_key` and the Standard Webhooks signatures are keyed with it. The store finds a
 * presented credential by a digest in another domain, which cannot stand in for the hash.
 */
export type HashedCredentials = ReturnType<typeof hashedCredentials>;

/** `domain` names the kind of credential (its lookup digests are apart from every other kind's). */
export function hashedCredentials(secrets: SecretStore, domain: string) {
  const lookupOf = (credential: string) => sha256Hex(`${domain} lookup:${credential}`);
  const stored = (credential: string) => secrets.refByLookup(lookupOf(credential));
  const hashOf = async (ref: string): Promise<string> => {
    if (ref.startsWith(LEGACY_SHA256_PREFIX)) return ref.slice(LEGACY_SHA256_PREFIX.length);
    const hash = await secrets.get(ref);
    // A throw fails the request or the delivery attempt: never a signature with another key.
    if (hash === undefined) throw new Error(`${domain} ${ref} is missing from the secret store`);
    return hash;
  };
  return {
    /**
     * The reference an event records for `credential`, storing its hash first. One credential has one
     * reference (found by its lookup digest), so registering or rotating to the same one again is a no-op.
     */
    async referenceOf(credential: string): Promise<string> {
      const existing = await stored(credential);
      if (existing !== undefined) return existing;
      const ref = `cr_${randomUUID()}`;
      try {
        await secrets.put(ref, sha256Hex(credential), { lookup: lookupOf(credential) });
        return ref;
      } catch (error) {
        // A concurrent store of the same credential won the lookup's uniqueness: use its reference.
        const raced = await stored(credential);
        if (raced === undefined) throw error;
        return raced;
      }
    },

    /** Every reference `credential` may be recorded under: the secret store's, and the legacy one of old events. */
    async referencesOf(credential: string): Promise<string[]> {
      const ref = await stored(credential);
      const legacy = `${LEGACY_SHA256_PREFIX}${sha256Hex(credential)}`;
      return ref === undefined ? [legacy] : [ref, legacy];
    },

    /** The credential's SHA-256 hex that a reference names: the key of the signatures made for its holder. */
    hashOf,

    /** Whether `credential` is the one `ref` names, compared in constant time. */
    async matches(ref: string, credential: string): Promise<boolean> {
      const expected = Buffer.from(await hashOf(ref));
      const actual = Buffer.from(sha256Hex(credential));
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    },
  };
}
