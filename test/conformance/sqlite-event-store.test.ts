import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteEventStore } from "../../services/platform/eventstore/sqlite-event-store.ts";
import { testEvent } from "../support/events.ts";
import { testEventStore } from "./event-store.suite.ts";
import { inTempDirectory } from "./fixtures.ts";

testEventStore(
  "sqlite",
  inTempDirectory("ledger-es-", (dir) => new SqliteEventStore({ path: join(dir, "events.db") })),
);

describe("sqlite: two connections to one file", () => {
  it("a subscriber of one is handed what the other appended, in order, once the first appends again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ledger-es-"));
    const path = join(dir, "events.db");
    const mine = new SqliteEventStore({ path });
    const other = new SqliteEventStore({ path });
    try {
      const received: string[] = [];
      const sub = mine.subscribeToAll({
        after: "0",
        onError: () => {},
        onEvent: (e) => void received.push(e.type),
      });
      await mine.append("thing-1", [testEvent("Mine1")], { expectedRevision: "no_stream" });
      await other.append("thing-2", [testEvent("Other1"), testEvent("Other2")], {
        expectedRevision: "no_stream",
      });
      await mine.append("thing-1", [testEvent("Mine2")], { expectedRevision: 0 });
      await expect.poll(() => received).toEqual(["Mine1", "Other1", "Other2", "Mine2"]);
      await sub.stop();
    } finally {
      await mine.close();
      await other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
