import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { appendMetrics } from "../../services/platform/eventstore/append-metrics.ts";
import type { AppendObserver } from "../../services/platform/eventstore/append-queue.ts";
import type { EventStore } from "../../services/platform/eventstore/port.ts";
import { PostgresEventStore } from "../../services/platform/eventstore/postgres-event-store.ts";
import { SqliteEventStore } from "../../services/platform/eventstore/sqlite-event-store.ts";
import { metricsRegistry } from "../../services/platform/metrics.ts";
import { testEvent } from "../support/events.ts";
import { DATABASE_URL, uniqueSchema } from "../support/postgres.ts";
import { parsePrometheus, sumOf } from "../support/prometheus.ts";

// Group commit as /metrics shows it, on both adapters that group appends: each append's latency by outcome,
// and each commit's appends and write time.

interface Opened {
  readonly store: EventStore;
  dispose(): Promise<void>;
}

const ADAPTERS: Record<string, (observer: AppendObserver) => Promise<Opened>> = {
  sqlite: async (observer) => {
    const dir = mkdtempSync(join(tmpdir(), "append-metrics-"));
    const store = new SqliteEventStore({ path: join(dir, "ledger.db"), observer });
    return {
      store,
      async dispose() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  postgres: async (observer) => {
    const schema = uniqueSchema("append_metrics");
    const store = await PostgresEventStore.open({ connectionString: DATABASE_URL, schema, observer });
    return {
      store,
      async dispose() {
        await store.close();
        const client = new pg.Client({ connectionString: DATABASE_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      },
    };
  },
};

describe.each(Object.keys(ADAPTERS))("append metrics on %s", (adapter) => {
  it("times every append by outcome and counts the appends of each group commit", async () => {
    const registry = metricsRegistry();
    const { store, dispose } = await ADAPTERS[adapter]!(appendMetrics(registry));
    try {
      await store.append("order-0", [testEvent()], { expectedRevision: "no_stream" });
      const appends = Array.from({ length: 20 }, (_, i) =>
        store.append(`order-${i + 1}`, [testEvent()], { expectedRevision: "no_stream" }),
      );
      const conflict = store.append("order-0", [testEvent()], { expectedRevision: "no_stream" });
      await Promise.all(appends);
      await expect(conflict).rejects.toThrow();

      const samples = parsePrometheus(await registry.metrics());
      const latency = "ledger_eventstore_append_duration_seconds_count";
      expect(sumOf(samples, latency, { outcome: "stored" })).toBe(21);
      expect(sumOf(samples, latency, { outcome: "conflict" })).toBe(1);
      expect(sumOf(samples, "ledger_eventstore_group_commit_appends_sum")).toBe(22);
      const commits = sumOf(samples, "ledger_eventstore_group_commit_appends_count");
      expect(commits).toBeGreaterThanOrEqual(2);
      expect(commits).toBeLessThan(22); // the 21 appends queued in one turn shared commits
      expect(sumOf(samples, "ledger_eventstore_group_commit_duration_seconds_count")).toBe(commits);
    } finally {
      await dispose();
    }
  });
});
