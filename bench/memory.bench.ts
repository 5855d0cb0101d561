// The service's resident memory over a big log: 1,000,000 events in the embedded store, the service idle
// and then under the checkout/init load of section 6, in its own process as there.

import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SqliteEventStore } from "../services/platform/eventstore/sqlite-event-store.ts";
import { SqliteReadStore } from "../services/platform/readstore/sqlite-read-store.ts";
import { hammerInit, type Server, serverMemory, startServer, stopServer } from "./checkout-init.bench.ts";
import { buildJournalLog } from "./journal.bench.ts";
import {
  type BenchContext,
  fmtNum,
  fmtSeconds,
  printHeading,
  printTable,
  printTarget,
  type Target,
} from "./report.ts";

const EVENTS = Number(process.env.BENCH_MEMORY_EVENTS ?? 1_000_000);
const IDLE_S = 5;
const LOAD_S = Number(process.env.BENCH_INIT_DURATION_S ?? 10);
const SAMPLE_EVERY_MS = 250;
const TARGET_MB = 300;
const MB = 1024 * 1024;

type Memory = NodeJS.MemoryUsage;

/** The server's memory every SAMPLE_EVERY_MS while `work` runs: the peak RSS and the last sample. */
async function memoryDuring(server: Server, work: Promise<unknown>): Promise<{ peak: number; last: Memory }> {
  let done = false;
  void work.finally(() => {
    done = true;
  });
  let peak = 0;
  let last: Memory = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  while (!done) {
    last = await serverMemory(server);
    peak = Math.max(peak, last.rss);
    await sleep(SAMPLE_EVERY_MS);
  }
  await work;
  return { peak, last };
}

/**
 * A data directory whose log holds EVENTS events besides the sandbox's: the service started there once
 * (read models created, sandbox seeded) and stopped; then the journal benchmark's log (Settled, Cancelled,
 * RepaymentApplied through the codecs) appended; then every log follower's checkpoint moved to the head, so
 * the service starts caught up instead of spending minutes projecting a log built for its size.
 */
async function bigLog(dataDir: string): Promise<{ head: string; fillSeconds: number }> {
  await stopServer(await startServer("checkout", dataDir), "SIGTERM");
  const path = join(dataDir, "ledger.db");
  const began = performance.now();
  const store = new SqliteEventStore({ path });
  const head = await buildJournalLog(store, { events: EVENTS, buyers: 10_000, merchants: 100 });
  await store.close();
  const readStore = new SqliteReadStore({ path });
  for (const state of await readStore.projectionStates()) {
    await readStore.apply(state.name, state.generation, [], head);
  }
  await readStore.close();
  return { head, fillSeconds: (performance.now() - began) / 1000 };
}

/** Section 8: RSS with a 1M-event log, idle and under the init load. */
export async function memorySection(ctx: BenchContext): Promise<void> {
  printHeading(`8. Memory: the service's RSS over a log of ${fmtNum(EVENTS)} events`);
  const dataDir = join(ctx.dir, "memory");
  mkdirSync(dataDir, { recursive: true });
  const { head, fillSeconds } = await bigLog(dataDir);
  const fileMb = statSync(join(dataDir, "ledger.db")).size / MB;

  const service = await startServer("checkout", dataDir);
  let atStart: Memory;
  let idle: { peak: number; last: Memory };
  let load: { peak: number; last: Memory };
  let completed: number;
  try {
    atStart = await serverMemory(service);
    idle = await memoryDuring(service, sleep(IDLE_S * 1000));
    const accepted = new Set<string>();
    const run = hammerInit(service.url, LOAD_S, accepted);
    load = await memoryDuring(service, run);
    completed = (await run).completed;
  } finally {
    await stopServer(service, "SIGTERM");
  }

  const mb = (bytes: number) => `${fmtNum(bytes / MB)} MB`;
  const end = (m: Memory) => [mb(m.rss), `${mb(m.heapUsed)} / ${mb(m.heapTotal)}`, mb(m.external)];
  printTable({
    title: `Log: ${fmtNum(Number(head))} events (${fmtNum(fileMb)} MB file with the read models), built in ${fmtSeconds(fillSeconds * 1000)}; RSS sampled every ${SAMPLE_EVERY_MS} ms.`,
    columns: ["phase", "RSS peak", "at the end: RSS", "V8 heap used / total", "external"],
    rows: [
      ["just listening", mb(atStart.rss), ...end(atStart)],
      [`idle, ${IDLE_S} s`, mb(idle.peak), ...end(idle.last)],
      [
        `checkout/init, full load, ${LOAD_S} s (${fmtNum(completed)} answers)`,
        mb(load.peak),
        ...end(load.last),
      ],
    ],
    notes: [
      "the service of section 6 (startService, every role, LOG_LEVEL silent) in its own process.",
      "the log is the journal benchmark's (Settled, Cancelled, RepaymentApplied); every projection's, reactor's",
      "and the notifier's checkpoint was moved to its head before the start, so the service does not spend minutes",
      "catching up: the read models hold the sandbox and the load's checkouts, not those events.",
    ],
  });
  ctx.figures.set("memory.idle.rssMb", idle.peak / MB);
  ctx.figures.set("memory.load.rssMb", load.peak / MB);
  const target: Target = {
    name: `RSS with ${fmtNum(EVENTS)} events in the store, idle / under init load`,
    wanted: `< ${TARGET_MB} MB`,
    measured: `${mb(idle.peak)} / ${mb(load.peak)}`,
    ok: Math.max(atStart.rss, idle.peak, load.peak) < TARGET_MB * MB,
  };
  printTarget(target);
  ctx.targets.push(target);
}
