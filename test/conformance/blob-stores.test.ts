import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FilesystemBlobStore } from "../../services/platform/blobstore/filesystem-blob-store.ts";
import { PostgresBlobStore } from "../../services/platform/blobstore/postgres-blob-store.ts";
import { DATABASE_URL, uniqueSchema } from "../support/postgres.ts";
import { testBlobStore } from "./blob-store.suite.ts";

testBlobStore("filesystem", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ledger-blobs-"));
  return {
    open: async () => new FilesystemBlobStore({ directory: join(dir, "blobs") }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

testBlobStore("postgres", async () => {
  const schema = uniqueSchema("blob_test");
  return {
    open: async () => new PostgresBlobStore({ connectionString: DATABASE_URL, schema }),
    dispose: async () => {
      const cleaner = new PostgresBlobStore({ connectionString: DATABASE_URL, schema });
      await cleaner.dropSchema();
      await cleaner.close();
    },
  };
});
