import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EventEnvelope } from "../../contracts/envelope.ts";
import { SqliteEventStore } from "../../services/platform/eventstore/sqlite-event-store.ts";
import { type Projection, sql } from "../../services/platform/readstore/projection.ts";
import { SqliteReadStore } from "../../services/platform/readstore/sqlite-read-store.ts";
import { ProjectionRunner } from "../../services/projector/projection-runner.ts";
import { testEvent } from "../support/events.ts";

// A sample projection: events per stream. Counting makes a double-applied event visible.
function countingProjection(
  options: { version?: number; poison?: (e: EventEnvelope) => boolean } = {},
): Projection {
  return {
    name: "stream_counts",
    version: options.version ?? 1,
    tables: {
      stream_counts: {
        columns: "stream_id TEXT PRIMARY KEY, events BIGINT NOT NULL, last_type TEXT NOT NULL",
        queryIndexes: ["last_type"],
      },
    },
    handle(event) {
      if (options.poison?.(event)) throw new Error("cannot project this event");
      return [
        sql`INSERT INTO {{stream_counts}} (stream_id, events, last_type) VALUES (${event.streamId}, 1, ${event.type})
            ON CONFLICT (stream_id) DO UPDATE SET events = {{stream_counts}}.events + 1, last_type = excluded.last_type`,
      ];
    },
  };
}

const silent = { info: () => {}, error: () => {} };

describe("projection runner on SQLite", () => {
  let dir: string;
  let store: SqliteEventStore;
  let readStore: SqliteReadStore;
  let runner: ProjectionRunner | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ledger-proj-"));
    store = new SqliteEventStore({ path: join(dir, "ledger.db") });
    readStore = new SqliteReadStore({ path: join(dir, "ledger.db") });
  });

  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
    await store.close();
    await readStore.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const append = (stream: string, n: number, type = "Happened") =>
    store.append(
      stream,
      Array.from({ length: n }, () => testEvent(type)),
      { expectedRevision: "any" },
    );

  const start = async (projection: Projection) => {
    runner = new ProjectionRunner({
      store,
      readStore,
      projections: [projection],
      logger: silent,
      batchSize: 7,
    });
    await runner.start();
    return runner;
  };

  const counts = async () =>
    Object.fromEntries(
      (await readStore.query("SELECT stream_id, events FROM stream_counts ORDER BY stream_id")).map((r) => [
        r.stream_id,
        Number(r.events),
      ]),
    );

  it("catches up from position 0, then follows live appends", async () => {
    await append("s-a", 20);
    const r = await start(countingProjection());
    expect(await r.waitFor(await store.headPosition(), 5000)).toBe(true);
    expect(await counts()).toEqual({ "s-a": 20 });
    await append("s-b", 3);
    expect(await r.waitFor(await store.headPosition(), 5000)).toBe(true);
    expect(await counts()).toEqual({ "s-a": 20, "s-b": 3 });
  });

  it("resumes from its checkpoint after a restart without applying anything twice", async () => {
    await append("s-a", 10);
    const first = await start(countingProjection());
    await first.waitFor(await store.headPosition(), 5000);
    await first.stop();
    await append("s-a", 5);
    const second = await start(countingProjection());
    expect(await second.waitFor(await store.headPosition(), 5000)).toBe(true);
    expect(await counts()).toEqual({ "s-a": 15 });
    expect((await readStore.projectionState("stream_counts"))?.position).toBe(await store.headPosition());
  });

  it("stops at a failing event with a visible status and never moves the checkpoint past it", async () => {
    await append("s-a", 4);
    const poison = await store.append("s-p", [testEvent("Poison")], { expectedRevision: "any" });
    await append("s-a", 4);
    const r = await start(countingProjection({ poison: (e) => e.type === "Poison" }));
    expect(await r.waitFor(await store.headPosition(), 2000)).toBe(false);
    const state = await readStore.projectionState("stream_counts");
    expect(state?.status).toBe("failed");
    expect(state?.error).toContain(`position ${poison.position}`);
    expect(BigInt(state!.position)).toBe(BigInt(poison.position) - 1n);
    expect(await counts()).toEqual({ "s-a": 4 });

    await r.stop();
    const fixed = await start(countingProjection());
    expect(await fixed.waitFor(await store.headPosition(), 5000)).toBe(true);
    expect(await counts()).toEqual({ "s-a": 8, "s-p": 1 });
    expect((await readStore.projectionState("stream_counts"))?.status).toBe("running");
  });

  it("a failing statement rolls back its batch; events before it are kept exactly once", async () => {
    await append("s-a", 3);
    await append("s-bad", 1);
    const failing: Projection = {
      ...countingProjection(),
      handle: (e) =>
        e.streamId === "s-bad"
          ? [sql`INSERT INTO {{stream_counts}} (stream_id) VALUES (${e.streamId})`]
          : countingProjection().handle(e),
    };
    const r = await start(failing);
    expect(await r.waitFor(await store.headPosition(), 2000)).toBe(false);
    expect(await counts()).toEqual({ "s-a": 3 });
    expect((await readStore.projectionState("stream_counts"))?.error).toMatch(/NOT NULL/);
  });

  it("rebuilds from position 0 into fresh tables and swaps them in, their query indexes built at the swap", async () => {
    await append("s-a", 12);
    const r = await start(countingProjection());
    await r.waitFor(await store.headPosition(), 5000);
    await readStore.query("DELETE FROM stream_counts__g1");
    expect(await counts()).toEqual({});
    expect(await r.rebuild("stream_counts")).toBe(true);
    expect(await counts()).toEqual({ "s-a": 12 });
    expect((await readStore.projectionState("stream_counts"))?.generation).toBe(2);
    const old = await readStore.query("SELECT name FROM sqlite_master WHERE name = 'stream_counts__g1'");
    expect(old).toEqual([]);
    const indexes = await readStore.query(
      "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%_q0'",
    );
    expect(indexes).toEqual([{ name: "stream_counts__g2_q0" }]);
    await append("s-a", 1);
    expect(await r.waitFor(await store.headPosition(), 5000)).toBe(true);
    expect(await counts()).toEqual({ "s-a": 13 });
  });

  it("rebuilds blue/green at start when the projection's version changed", async () => {
    await append("s-a", 5);
    const v1 = await start(countingProjection());
    await v1.waitFor(await store.headPosition(), 5000);
    await v1.stop();
    const v2 = await start(countingProjection({ version: 2 }));
    expect(await v2.waitFor(await store.headPosition(), 5000)).toBe(true);
    expect(await readStore.projectionState("stream_counts")).toMatchObject({ generation: 2, version: 2 });
    expect(await counts()).toEqual({ "s-a": 5 });
  });
  it("moves past events it ignores without a transaction each, and saves that checkpoint at stop", async () => {
    const counting = countingProjection();
    const ignoringNoise: Projection = {
      ...counting,
      handle: (e) => (e.streamId.startsWith("noise-") ? [] : counting.handle(e)),
    };
    await append("s-a", 2);
    const r = await start(ignoringNoise);
    expect(await r.waitFor(await store.headPosition(), 5000)).toBe(true);
    const saved = (await readStore.projectionState("stream_counts"))?.position;
    await append("noise-1", 5);
    expect(await r.waitFor(await store.headPosition(), 5000)).toBe(true);
    expect((await readStore.projectionState("stream_counts"))?.position).toBe(saved);
    await r.stop();
    expect((await readStore.projectionState("stream_counts"))?.position).toBe(await store.headPosition());
    expect(await counts()).toEqual({ "s-a": 2 });
  });
});
