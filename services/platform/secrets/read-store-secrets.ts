import type { ReadStore } from "../readstore/port.ts";
import type { Keyring } from "./keyring.ts";
import type { SecretStore } from "./port.ts";
import { open, seal } from "./sealing.ts";

// Not a projection (nothing in the log could rebuild it): a plain table beside the read models, made on
// first use, on SQLite and PostgreSQL alike. Each row names the key that sealed it, so keys can rotate.
const TABLE = `CREATE TABLE IF NOT EXISTS secrets (
  ref TEXT PRIMARY KEY, lookup TEXT UNIQUE, key_id TEXT NOT NULL, sealed TEXT NOT NULL, stored_at TEXT NOT NULL)`;

/** The embedded secret store: the read store's `secrets` table, every value sealed with AES-256-GCM. */
export function readStoreSecrets(
  readStore: ReadStore,
  keys: Keyring,
  now: () => Date = () => new Date(),
): SecretStore {
  let ready: Promise<unknown> | undefined;
  const table = () => {
    ready ??= readStore.query(TABLE);
    return ready;
  };
  return {
    async put(ref, plaintext, options = {}) {
      await table();
      const { keyId, sealed } = seal(keys, ref, plaintext);
      await readStore.query(
        "INSERT INTO secrets (ref, lookup, key_id, sealed, stored_at) VALUES (?, ?, ?, ?, ?)",
        [ref, options.lookup ?? null, keyId, sealed, now().toISOString()],
      );
    },

    async get(ref) {
      await table();
      const [row] = await readStore.query("SELECT key_id, sealed FROM secrets WHERE ref = ?", [ref]);
      if (row === undefined) return undefined;
      return open(keys, ref, { keyId: String(row.key_id), sealed: String(row.sealed) });
    },

    async refByLookup(lookup) {
      await table();
      const [row] = await readStore.query("SELECT ref FROM secrets WHERE lookup = ?", [lookup]);
      return row === undefined ? undefined : String(row.ref);
    },

    async remove(ref) {
      await table();
      await readStore.query("DELETE FROM secrets WHERE ref = ?", [ref]);
    },

    async rotate() {
      await table();
      const stale = await readStore.query("SELECT ref, key_id, sealed FROM secrets WHERE key_id <> ?", [
        keys.current.id,
      ]);
      for (const row of stale) {
        const ref = String(row.ref);
        const plaintext = open(keys, ref, { keyId: String(row.key_id), sealed: String(row.sealed) });
        const resealed = seal(keys, ref, plaintext);
        // Conditional on the old key: a concurrent rotation's write is not overwritten by a stale one.
        await readStore.query("UPDATE secrets SET key_id = ?, sealed = ? WHERE ref = ? AND key_id = ?", [
          resealed.keyId,
          resealed.sealed,
          ref,
          String(row.key_id),
        ]);
      }
      return stale.length;
    },
  };
}
