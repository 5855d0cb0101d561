import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { legacySha256Ref } from "../../../contracts/secret-refs.ts";
import { hashedCredentials } from "./hashed-credentials.ts";
import type { SecretStore } from "./port.ts";

/** The port's behaviour in memory (the conformance suite holds the real adapter to it). */
function memorySecrets(): SecretStore & { readonly values: Map<string, string> } {
  const values = new Map<string, string>();
  const lookups = new Map<string, string>();
  return {
    values,
    async put(ref, plaintext, options = {}) {
      if (values.has(ref) || (options.lookup !== undefined && lookups.has(options.lookup)))
        throw new Error("duplicate");
      values.set(ref, plaintext);
      if (options.lookup !== undefined) lookups.set(options.lookup, ref);
    },
    get: async (ref) => values.get(ref),
    refByLookup: async (lookup) => lookups.get(lookup),
    async remove(ref) {
      values.delete(ref);
    },
    rotate: async () => 0,
  };
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("hashed credentials", () => {
  it("stores a credential's SHA-256 under a random reference, the same one for the same credential", async () => {
    const secrets = memorySecrets();
    const keys = hashedCredentials(secrets, "test key");
    const ref = await keys.referenceOf("sk-one");
    expect(ref).toMatch(/^cr_[0-9a-f-]{36}$/);
    expect(await keys.referenceOf("sk-one")).toBe(ref);
    expect(await keys.referenceOf("sk-two")).not.toBe(ref);
    expect(await keys.hashOf(ref)).toBe(sha256("sk-one"));
    expect(await keys.matches(ref, "sk-one")).toBe(true);
    expect(await keys.matches(ref, "sk-two")).toBe(false);
  });

  it("finds a credential under its reference and under the legacy reference old events read as", async () => {
    const keys = hashedCredentials(memorySecrets(), "test key");
    expect(await keys.referencesOf("sk-one")).toEqual([legacySha256Ref(sha256("sk-one"))]);
    const ref = await keys.referenceOf("sk-one");
    expect(await keys.referencesOf("sk-one")).toEqual([ref, legacySha256Ref(sha256("sk-one"))]);
  });

  it("a legacy reference names its hash itself", async () => {
    const keys = hashedCredentials(memorySecrets(), "test key");
    const legacy = legacySha256Ref(sha256("sk-old"));
    expect(await keys.hashOf(legacy)).toBe(sha256("sk-old"));
    expect(await keys.matches(legacy, "sk-old")).toBe(true);
  });

  it("kinds do not share references: each kind's lookup digests are apart", async () => {
    const secrets = memorySecrets();
    const a = await hashedCredentials(secrets, "kind a").referenceOf("same");
    const b = await hashedCredentials(secrets, "kind b").referenceOf("same");
    expect(a).not.toBe(b);
    expect(await hashedCredentials(secrets, "kind b").referencesOf("same")).toContain(b);
  });

  it("an unknown reference is an error, never another key", async () => {
    const keys = hashedCredentials(memorySecrets(), "test key");
    await expect(keys.hashOf("cr_unknown")).rejects.toThrow(/test key cr_unknown is missing/);
  });
});
