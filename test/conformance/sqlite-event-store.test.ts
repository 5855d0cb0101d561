import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteEventStore } from "../../services/platform/eventstore/sqlite-event-store.ts";
import { testEventStore } from "./event-store.suite.ts";

testEventStore("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ledger-es-"));
  return {
    open: async () => new SqliteEventStore({ path: join(dir, "events.db") }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
