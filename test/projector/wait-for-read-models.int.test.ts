import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteEventStore } from "../../services/platform/eventstore/sqlite-event-store.ts";
import { type Projection, sql } from "../../services/platform/readstore/projection.ts";
import { SqliteReadStore } from "../../services/platform/readstore/sqlite-read-store.ts";
import { waitForReadModels } from "../../services/projector/wait-for-read-models.ts";
import { testEvent } from "../support/events.ts";

// Read-your-writes of a gateway whose projector runs in another process: it reads only the checkpoints in
// the read store (and, for a projection short of the position, the events in between).

const shows: Projection = {
  name: "shows_relevant",
  version: 1,
  tables: {},
  handle: (event) => (event.type === "Relevant" ? [sql`SELECT 1`] : []),
};

let dir: string;
let store: SqliteEventStore;
let readStore: SqliteReadStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "wait-read-models-"));
  store = new SqliteEventStore({ path: join(dir, "ledger.db") });
  readStore = new SqliteReadStore({ path: join(dir, "ledger.db") });
  for (const name of [shows.name, "publisher"]) {
    await readStore.prepareGeneration(name, 1, 1, {});
    await readStore.promote(name, 1, 1, {});
  }
});

afterEach(async () => {
  await store.close();
  await readStore.close();
  rmSync(dir, { recursive: true, force: true });
});

const append = async (type: string) =>
  (await store.append("test-1", [testEvent(type)], { expectedRevision: "any" })).position;
const checkpoint = (name: string, position: string) => readStore.apply(name, 1, [], position);
const wait = (timeoutMs = 150) =>
  waitForReadModels({ readStore, store, projections: [shows], timeoutMs, everyMs: 5 });

describe("waitForReadModels", () => {
  it("resolves once the projection's checkpoint reaches the position", async () => {
    const position = await append("Relevant");
    const waiting = wait(2000)(position);
    setTimeout(() => void checkpoint(shows.name, position), 50);
    expect(await waiting).toBe(true);
  });

  it("times out (false) while a projection has not applied an event it shows", async () => {
    const position = await append("Relevant");
    const began = Date.now();
    expect(await wait(150)(position)).toBe(false);
    expect(Date.now() - began).toBeGreaterThanOrEqual(140);
  });

  it("does not wait for the publisher, the outbox or reactors: only the gateway's read models count", async () => {
    const position = await append("Relevant");
    await checkpoint(shows.name, position);
    // "publisher" is far behind (still at 0).
    const began = Date.now();
    expect(await wait(2000)(position)).toBe(true);
    expect(Date.now() - began).toBeLessThan(100);
  });

  it("does not wait for a lazily written checkpoint when every event in between is one the projection ignores", async () => {
    const shown = await append("Relevant");
    await checkpoint(shows.name, shown);
    await append("Ignored");
    const position = await append("AlsoIgnored");
    const began = Date.now();
    expect(await wait(2000)(position)).toBe(true);
    expect(Date.now() - began).toBeLessThan(100);
  });

  it("still waits when an event it shows lies between its checkpoint and the position", async () => {
    const first = await append("Ignored");
    await checkpoint(shows.name, first);
    await append("Relevant");
    const position = await append("Ignored");
    expect(await wait(150)(position)).toBe(false);
  });

  it("does not wait for a failed projection", async () => {
    const position = await append("Relevant");
    await readStore.setStatus(shows.name, "failed", "boom");
    expect(await wait(2000)(position)).toBe(true);
  });
});
