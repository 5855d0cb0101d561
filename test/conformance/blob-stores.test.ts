import { join } from "node:path";
import { FilesystemBlobStore } from "../../services/platform/blobstore/filesystem-blob-store.ts";
import { PostgresBlobStore } from "../../services/platform/blobstore/postgres-blob-store.ts";
import { DATABASE_URL } from "../support/postgres.ts";
import { testBlobStore } from "./blob-store.suite.ts";
import { inPostgresSchema, inTempDirectory } from "./fixtures.ts";

testBlobStore(
  "filesystem",
  inTempDirectory("ledger-blobs-", (dir) => new FilesystemBlobStore({ directory: join(dir, "blobs") })),
);
testBlobStore(
  "postgres",
  inPostgresSchema(
    "blob_test",
    (schema) => new PostgresBlobStore({ connectionString: DATABASE_URL, schema }),
  ),
);
