import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { uniqueSchema } from "../support/postgres.ts";

// Fresh adapters for the conformance suites: each fixture opens its adapter on a place of its own and
// removes that place on dispose.

export interface Fixture<T> {
  open(): Promise<T>;
  dispose(): Promise<void>;
}

/** An adapter on files in a new temporary directory (`prefix`), removed on dispose. */
export const inTempDirectory =
  <T>(prefix: string, open: (directory: string) => T) =>
  async (): Promise<Fixture<T>> => {
    const directory = mkdtempSync(join(tmpdir(), prefix));
    return {
      open: async () => open(directory),
      dispose: async () => rmSync(directory, { recursive: true, force: true }),
    };
  };

/** A PostgreSQL adapter in a schema of its own (named from `prefix`), dropped on dispose. */
export const inPostgresSchema =
  <T extends { dropSchema(): Promise<void>; close(): Promise<void> }>(
    prefix: string,
    open: (schema: string) => T,
  ) =>
  async (): Promise<Fixture<T>> => {
    const schema = uniqueSchema(prefix);
    return {
      open: async () => open(schema),
      dispose: async () => {
        const cleaner = open(schema);
        await cleaner.dropSchema();
        await cleaner.close();
      },
    };
  };
