// `ledger replay`: every read model rebuilt from position 0 into a fresh SQLite read store, beside this
// machine's raw ceiling for the same log in the same run (reading it page by page without projecting) and
// the floor of writing what the replay wrote (its rows inserted again, its query indexes built again).

import { join } from "node:path";
import { SqliteEventStore } from "../services/platform/eventstore/sqlite-event-store.ts";
import { SqliteReadStore } from "../services/platform/readstore/sqlite-read-store.ts";
import { replay } from "../services/projector/replay.ts";
import { projections } from "../services/runtime/projections.ts";
import { buildJournalLog } from "./journal.bench.ts";
import { measureWriteFloor } from "./replay-floor.ts";
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
  const intoPath = join(ctx.dir, "replay-read.db");
  const into = new SqliteReadStore({ path: intoPath, bulkLoad: true });
  try {
    await buildJournalLog(store, { events: target, buyers: 10_000, merchants: 100 });
    const ceiling = await readWholeLog(store);
    const began = performance.now();
    const replayed = await replay({ store, into, projections });
    const seconds = (performance.now() - began) / 1000;
    const eventsPerSecond = replayed.events / seconds;
    const ceilingPerSecond = ceiling.events / ceiling.seconds;
    const floor = measureWriteFloor(intoPath, join(ctx.dir, "replay-floor.db"), projections);
    const boundSeconds = ceiling.seconds + floor.insertSeconds + floor.indexSeconds;
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
          `write floor: the replay's ${fmtNum(floor.rows)} rows inserted again (plain, 64 a statement)`,
          replayed.events,
          fmtSeconds(floor.insertSeconds * 1000),
          replayed.events / floor.insertSeconds,
          "-",
        ],
        [
          "write floor: its query indexes built again",
          replayed.events,
          fmtSeconds(floor.indexSeconds * 1000),
          replayed.events / floor.indexSeconds,
          "-",
        ],
        [
          "bound: read + write floor (no replay binding its rows can beat it)",
          replayed.events,
          fmtSeconds(boundSeconds * 1000),
          replayed.events / boundSeconds,
          fmtRatio(replayed.events / boundSeconds / ceilingPerSecond),
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
      measured: `${fmtNum(eventsPerSecond)} events/s in ${fmtSeconds(seconds * 1000)} (read ceiling ${fmtNum(ceilingPerSecond)}/s, read + write floor ${fmtNum(replayed.events / boundSeconds)}/s)`,
      ok: eventsPerSecond >= REPLAY_TARGET,
    };
    ctx.targets.push(replayTarget);
    printTarget(replayTarget);
  } finally {
    await store.close();
    await into.close();
  }
}
