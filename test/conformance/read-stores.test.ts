import { join } from "node:path";
import { PostgresReadStore } from "../../services/platform/readstore/postgres-read-store.ts";
import { SqliteReadStore } from "../../services/platform/readstore/sqlite-read-store.ts";
import { DATABASE_URL } from "../support/postgres.ts";
import { inPostgresSchema, inTempDirectory } from "./fixtures.ts";
import { testReadStore } from "./read-store.suite.ts";

testReadStore(
  "sqlite",
  inTempDirectory("ledger-rs-", (dir) => new SqliteReadStore({ path: join(dir, "read.db") })),
);
testReadStore(
  "postgres",
  inPostgresSchema("rs_test", (schema) => new PostgresReadStore({ connectionString: DATABASE_URL, schema })),
);
