// `ledger replay`: every read model rebuilt from position 0 into a fresh SQLite read store, beside this
// machine's raw ceiling for the same log in the same run (reading it page by page without projecting).

import { join } from "node:path";
import { SqliteEventStore } from "../services/platform/eventstore/sqlite-event-store.ts";
import { SqliteReadStore } from "../services/platform/readstore/sqlite-read-store.ts";
import { replay } from "../services/projector/replay.ts";
import { projections } from "../services/runtime/projections.ts";
import { buildJournalLog } from "./journal.bench.ts";
import {
  type BenchContext,
  fmtNum,
  fmtRatio,
  fmtSeconds,
  printHeading,
  printTable,
  printTarget,
} from "./report.ts";

const REPLAY_TARGET = 35_000;

/** Reads the whole log a page at a time and does nothing else: what any replay must at least pay. */
async function readWholeLog(store: SqliteEventStore): Promise<{ events: number; seconds: number }> {
  const began = performance.now();
  let events = 0;
  for (let after = "0"; ; ) {
    const page = await store.readAll({ after, maxCount: 10_000 });
    if (page.length === 0) break;
    events += page.length;
    after = page.at(-1)!.position;
  }
  return { events, seconds: (performance.now() - began) / 1000 };
}

/** Section 8: `ledger replay` of a journal-heavy log (BENCH_REPLAY_EVENTS, default 1,000,000). */
export async function replaySection(ctx: BenchContext): Promise<void> {
  const target = Number(process.env.BENCH_REPLAY_EVENTS ?? 1_000_000);
  printHeading(`8. ledger replay: every read model rebuilt from ${fmtNum(target)} events`);
  const store = new SqliteEventStore({ path: join(ctx.dir, "replay-log.db") });
  const into = new SqliteReadStore({ path: join(ctx.dir, "replay-read.db"), bulkLoad: true });
  try {
    await buildJournalLog(store, { events: target, buyers: 10_000, merchants: 100 });
    const ceiling = await readWholeLog(store);
    const began = performance.now();
    const replayed = await replay({ store, into, projections });
    const seconds = (performance.now() - began) / 1000;
    const eventsPerSecond = replayed.events / seconds;
    const ceilingPerSecond = ceiling.events / ceiling.seconds;
    printTable({
      title: `${fmtNum(replayed.events)} events (Settled, Cancelled, RepaymentApplied), ${projections.length} projections, fresh SQLite read store.`,
      columns: ["phase", "events", "time", "events/s", "÷ ceiling"],
      rows: [
        [
          "ceiling: read the whole log (readAll pages, no projection)",
          ceiling.events,
          fmtSeconds(ceiling.seconds * 1000),
          ceilingPerSecond,
          "100 %",
        ],
        [
          "ledger replay (replay(): every projection, then promote)",
          replayed.events,
          fmtSeconds(seconds * 1000),
          eventsPerSecond,
          fmtRatio(eventsPerSecond / ceilingPerSecond),
        ],
      ],
    });
    ctx.figures.set("replay.eventsPerSecond", eventsPerSecond);
    const replayTarget = {
      name: `ledger replay of ${fmtNum(replayed.events)} events`,
      wanted: `≥ ${fmtNum(REPLAY_TARGET)} events/s`,
      measured: `${fmtNum(eventsPerSecond)} events/s in ${fmtSeconds(seconds * 1000)} (ceiling ${fmtNum(ceilingPerSecond)} events/s)`,
      ok: eventsPerSecond >= REPLAY_TARGET,
    };
    ctx.targets.push(replayTarget);
    printTarget(replayTarget);
  } finally {
    await store.close();
    await into.close();
  }
}
