import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PostgresReadStore } from "../../services/platform/readstore/postgres-read-store.ts";
import { SqliteReadStore } from "../../services/platform/readstore/sqlite-read-store.ts";
import { DATABASE_URL, uniqueSchema } from "../support/postgres.ts";
import type { ReadStoreFixture } from "./read-store.suite.ts";

// Each read-store adapter as a fresh fixture, for every suite that runs over read stores (the read store's
// own conformance, and the secret store's, which lives in a read store's tables).

/** A SQLite read store in a directory of its own (`prefix`), removed on dispose. */
export const sqliteReadStoreFixture = (prefix: string) => async (): Promise<ReadStoreFixture> => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    open: async () => new SqliteReadStore({ path: join(dir, "read.db") }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
};

/** A PostgreSQL read store in a schema of its own (named from `prefix`), dropped on dispose. */
export const postgresReadStoreFixture = (prefix: string) => async (): Promise<ReadStoreFixture> => {
  const schema = uniqueSchema(prefix);
  return {
    open: async () => new PostgresReadStore({ connectionString: DATABASE_URL, schema }),
    dispose: async () => {
      const cleaner = new PostgresReadStore({ connectionString: DATABASE_URL, schema });
      await cleaner.dropSchema();
      await cleaner.close();
    },
  };
};
