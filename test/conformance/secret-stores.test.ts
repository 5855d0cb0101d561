import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PostgresReadStore } from "../../services/platform/readstore/postgres-read-store.ts";
import { SqliteReadStore } from "../../services/platform/readstore/sqlite-read-store.ts";
import { DATABASE_URL, uniqueSchema } from "../support/postgres.ts";
import { testSecretStore } from "./secret-store.suite.ts";

testSecretStore("sqlite read store", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ledger-secrets-"));
  return {
    open: async () => new SqliteReadStore({ path: join(dir, "read.db") }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

testSecretStore("postgres read store", async () => {
  const schema = uniqueSchema("secrets_test");
  return {
    open: async () => new PostgresReadStore({ connectionString: DATABASE_URL, schema }),
    dispose: async () => {
      const cleaner = new PostgresReadStore({ connectionString: DATABASE_URL, schema });
      await cleaner.dropSchema();
      await cleaner.close();
    },
  };
});
