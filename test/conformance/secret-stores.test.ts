import { join } from "node:path";
import { PostgresReadStore } from "../../services/platform/readstore/postgres-read-store.ts";
import { SqliteReadStore } from "../../services/platform/readstore/sqlite-read-store.ts";
import { DATABASE_URL } from "../support/postgres.ts";
import { inPostgresSchema, inTempDirectory } from "./fixtures.ts";
import { testSecretStore } from "./secret-store.suite.ts";

// The secret store lives in a read store's tables: it is proven on each read-store adapter.
testSecretStore(
  "sqlite read store",
  inTempDirectory("ledger-secrets-", (dir) => new SqliteReadStore({ path: join(dir, "read.db") })),
);
testSecretStore(
  "postgres read store",
  inPostgresSchema(
    "secrets_test",
    (schema) => new PostgresReadStore({ connectionString: DATABASE_URL, schema }),
  ),
);
