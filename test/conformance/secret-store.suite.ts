import { randomBytes, randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ReadStore } from "../../services/platform/readstore/port.ts";
import { keyring } from "../../services/platform/secrets/keyring.ts";
import type { SecretStore } from "../../services/platform/secrets/port.ts";
import { readStoreSecrets } from "../../services/platform/secrets/read-store-secrets.ts";

/** One behaviour for the secret store on every read store (SQLite embedded, PostgreSQL production). */
export interface SecretStoreFixture {
  open(): Promise<ReadStore>;
  dispose(): Promise<void>;
}

export function testSecretStore(adapter: string, makeFixture: () => Promise<SecretStoreFixture>): void {
  describe(`secret store conformance: ${adapter}`, () => {
    const keyA = randomBytes(32);
    const keyB = randomBytes(32);
    let fixture: SecretStoreFixture;
    let readStore: ReadStore;
    let secrets: SecretStore;

    beforeEach(async () => {
      fixture = await makeFixture();
      readStore = await fixture.open();
      secrets = readStoreSecrets(readStore, keyring(keyA));
    });

    afterEach(async () => {
      await readStore.close();
      await fixture.dispose();
    });

    it("answers what was put under a reference, and nothing for an unknown one", async () => {
      const ref = randomUUID();
      await secrets.put(ref, "sk-server-key");
      expect(await secrets.get(ref)).toBe("sk-server-key");
      expect(await secrets.get(randomUUID())).toBeUndefined();
    });

    it("refuses a second value under one reference", async () => {
      const ref = randomUUID();
      await secrets.put(ref, "first");
      await expect(secrets.put(ref, "second")).rejects.toThrow();
      expect(await secrets.get(ref)).toBe("first");
    });

    it("forgets a removed value, and a removed reference is no error", async () => {
      const ref = randomUUID();
      await secrets.put(ref, "value", { lookup: "digest-3" });
      await secrets.remove(ref);
      await secrets.remove(ref);
      expect(await secrets.get(ref)).toBeUndefined();
      expect(await secrets.refByLookup("digest-3")).toBeUndefined();
    });

    it("finds a reference by its lookup digest", async () => {
      const ref = randomUUID();
      await secrets.put(ref, "value", { lookup: "digest-1" });
      expect(await secrets.refByLookup("digest-1")).toBe(ref);
      expect(await secrets.refByLookup("digest-2")).toBeUndefined();
    });

    it("keeps the value sealed at rest: the table holds no plaintext", async () => {
      await secrets.put(randomUUID(), "447462-plain-pin");
      const rows = await readStore.query("SELECT * FROM secrets");
      expect(JSON.stringify(rows)).not.toContain("447462-plain-pin");
    });

    it("rotates: values sealed with an old key are re-sealed with the current one, which alone then reads them", async () => {
      const ref = randomUUID();
      await secrets.put(ref, "value");
      const rotated = readStoreSecrets(readStore, keyring(keyB, [keyA]));
      expect(await rotated.get(ref)).toBe("value");
      expect(await rotated.rotate()).toBe(1);
      expect(await rotated.rotate()).toBe(0);
      expect(await readStoreSecrets(readStore, keyring(keyB)).get(ref)).toBe("value");
      await expect(secrets.get(ref)).rejects.toThrow(/SECRET_STORE_OLD_KEYS/);
    });
  });
}
