// Append throughput of the PostgreSQL event store, shaped like the SQLite "separate" run so the two figures
// compare: one stream per appender, each append a single event awaited before the next, exact expected
// revision tracked per appender.

import { randomBytes } from "node:crypto";
import pg from "pg";
import type { ExpectedRevision } from "../services/platform/eventstore/port.ts";
import { PostgresEventStore } from "../services/platform/eventstore/postgres-event-store.ts";
import { testEvent } from "../test/support/events.ts";

const SMALL_DATA = { amount: "1250000", currency: "VND", merchantId: "m-1" };

/** Runs in a schema of its own, dropped afterwards, so it never touches another run's data. */
export async function benchPostgresAppends(
  concurrency: number,
  appendsPerWorker: number,
  databaseUrl: string,
): Promise<{ appendsPerSecond: number; failed: number }> {
  const schema = `es_bench_${randomBytes(6).toString("hex")}`;
  const store = await PostgresEventStore.open({ connectionString: databaseUrl, schema });
  let appends = 0;
  let failed = 0;
  try {
    const worker = async (index: number) => {
      const streamId = `bench-w${index}`;
      let expected: ExpectedRevision = "no_stream";
      for (let i = 0; i < appendsPerWorker; i++) {
        try {
          const result = await store.append(streamId, [testEvent("Appended", SMALL_DATA)], {
            expectedRevision: expected,
          });
          expected = result.nextExpectedRevision;
          appends++;
        } catch {
          failed++;
          // The stream's revision is unknown after a failure; keep appending rather than stall the worker.
          expected = "any";
        }
      }
    };
    const start = performance.now();
    await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
    const seconds = (performance.now() - start) / 1000;
    return { appendsPerSecond: appends / seconds, failed };
  } finally {
    await store.close();
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await client.end();
    }
  }
}
