// Benchmarks of the embedded SQLite event store: append throughput and latency under concurrency, the raw
// node:sqlite ceiling for the same inserts, and read-all throughput over a large log.

import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { setTimeout as sleep } from "node:timers/promises";
import { v7 as uuidv7 } from "uuid";
import { chainHash, GENESIS_HASH } from "../services/platform/eventstore/chain.ts";
import { type ExpectedRevision, WrongExpectedRevision } from "../services/platform/eventstore/port.ts";
import {
  SQLITE_EVENTS_SCHEMA,
  SqliteEventStore,
} from "../services/platform/eventstore/sqlite-event-store.ts";
import { testEvent } from "../test/support/events.ts";
import {
  type BenchContext,
  fmtMs,
  fmtNum,
  fmtRatio,
  fmtSeconds,
  percentile,
  printHeading,
  printTable,
  printTarget,
  type Target,
} from "./report.ts";

export type AppendShape = "separate" | "hot-any" | "hot-exact";

export interface AppendRunOptions {
  readonly shape: AppendShape;
  readonly concurrency: number;
  readonly durationMs: number;
  /** Stop early once this many appends succeeded in total. */
  readonly maxAppends: number;
}

export interface AppendRun {
  readonly shape: AppendShape;
  readonly concurrency: number;
  /** Appends that resolved. */
  readonly appends: number;
  readonly seconds: number;
  readonly appendsPerSecond: number;
  /** Latency of an append that resolved, from its first attempt (retries and backoff included). */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Rejected append promises other than the conflicts "hot-exact" expects and retries. */
  readonly failed: number;
  /** WrongExpectedRevision rejections retried ("hot-exact" only; anywhere else they count as failed). */
  readonly conflicts: number;
  /** Appends still retrying a conflict when the time was up, abandoned ("hot-exact" only). */
  readonly abandoned: number;
  /** Transactions the store committed (each flush of its group commit is one). */
  readonly commits: number;
  readonly appendsPerCommit: number;
}

const SMALL_DATA = { amount: "1250000", currency: "VND", merchantId: "m-1" };

/**
 * `concurrency` appenders, each awaiting one single-event append at a time until the time is up.
 * - separate: one stream per appender, exact expected revision tracked per appender.
 * - hot-any: every appender on one stream with expectedRevision "any".
 * - hot-exact: every appender on one stream with its last known revision; on a conflict it takes the
 *   actual revision from the error and retries after the command handler's backoff (full jitter, 2 ms
 *   doubling per attempt, capped at 64 ms here), until it lands or the time is up.
 */
export async function benchStoreAppends(path: string, options: AppendRunOptions): Promise<AppendRun> {
  const { shape, concurrency, durationMs, maxAppends } = options;
  let commits = 0;
  // The store reads the clock once per flush (one transaction), so counting the reads counts the commits.
  const store = new SqliteEventStore({
    path,
    now: () => {
      commits++;
      return new Date();
    },
  });
  const hotStream = "bench-hot";
  if (shape !== "separate") {
    await store.append(hotStream, [testEvent("Opened", SMALL_DATA)], { expectedRevision: "no_stream" });
  }
  const commitsBefore = commits;

  const latencies: number[] = [];
  let appends = 0;
  let failed = 0;
  let conflicts = 0;
  let abandoned = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  const done = () => performance.now() >= deadline || appends >= maxAppends;

  const worker = async (index: number) => {
    const streamId = shape === "separate" ? `bench-w${index}` : hotStream;
    let expected: ExpectedRevision = shape === "separate" ? "no_stream" : shape === "hot-any" ? "any" : 0;
    while (!done()) {
      const event = testEvent("Appended", SMALL_DATA);
      const began = performance.now();
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await store.append(streamId, [event], { expectedRevision: expected });
          if (shape !== "hot-any") expected = result.nextExpectedRevision;
          latencies.push(performance.now() - began);
          appends++;
          break;
        } catch (error) {
          if (shape === "hot-exact" && error instanceof WrongExpectedRevision) {
            conflicts++;
            expected = error.actual;
            if (done()) {
              abandoned++;
              break;
            }
            await sleep(Math.random() * 2 * 2 ** Math.min(attempt, 5));
            continue;
          }
          failed++;
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
  const seconds = (performance.now() - start) / 1000;
  await store.close();
  const runCommits = commits - commitsBefore;
  return {
    shape,
    concurrency,
    appends,
    seconds,
    appendsPerSecond: appends / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    failed,
    conflicts,
    abandoned,
    commits: runCommits,
    appendsPerCommit: runCommits === 0 ? 0 : (appends + conflicts) / runCommits,
  };
}

// The store's own table, so that the ceiling inserts the same row shape into the same indexes.
const RAW_SCHEMA = SQLITE_EVENTS_SCHEMA;
const RAW_FIELDS = {
  type: "Appended",
  schemaVersion: 1,
  occurredAt: "2026-11-27T00:00:00.000Z",
  correlationId: "corr-bench",
  causationId: "cause-bench",
  tenantId: "tenant-bench",
  actor: "bench",
};

export interface RawRun {
  readonly rowsPerCommit: number;
  readonly rows: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
}

/**
 * The ceiling: the store's single-row insert on a bare synchronous node:sqlite loop, WAL and synchronous=FULL,
 * committing every `rowsPerCommit` rows (1 = autocommit, one fsync per row). Rows go round-robin over `streams`
 * streams with consecutive revisions, as that many appenders on separate streams would write them.
 */
export function benchRawInserts(
  path: string,
  rowsPerCommit: number,
  streams: number,
  durationMs: number,
): RawRun {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
  db.exec(RAW_SCHEMA);
  const insert = db.prepare(
    "INSERT INTO events (position, event_id, stream_id, revision, type, schema_version, occurred_at, recorded_at, correlation_id, causation_id, tenant_id, actor, data, hash) VALUES (NULL, ?, ?, ?, 'Appended', 1, ?, ?, 'corr-bench', 'cause-bench', 'tenant-bench', 'bench', ?, ?) RETURNING position",
  );
  const revisions = new Array<number>(streams).fill(0);
  const data = JSON.stringify(SMALL_DATA);
  const occurredAt = "2026-11-27T00:00:00.000Z";
  let rows = 0;
  // The row's chain hash is part of the row (docs/audit.md), so the ceiling computes it too.
  let hash = GENESIS_HASH;
  const insertOne = (recordedAt: string) => {
    const s = rows % streams;
    const fields = {
      ...RAW_FIELDS,
      eventId: uuidv7(),
      streamId: `raw-${s}`,
      revision: revisions[s]!++,
      recordedAt,
    };
    hash = chainHash(hash, fields, data);
    insert.get(fields.eventId, fields.streamId, fields.revision, occurredAt, recordedAt, data, hash);
    rows++;
  };
  const start = performance.now();
  const deadline = start + durationMs;
  while (performance.now() < deadline) {
    const recordedAt = new Date().toISOString();
    if (rowsPerCommit === 1) {
      insertOne(recordedAt);
      continue;
    }
    db.exec("BEGIN IMMEDIATE");
    for (let i = 0; i < rowsPerCommit; i++) insertOne(recordedAt);
    db.exec("COMMIT");
  }
  const seconds = (performance.now() - start) / 1000;
  db.close();
  return { rowsPerCommit, rows, seconds, rowsPerSecond: rows / seconds };
}

export interface ReadAllRun {
  readonly events: number;
  readonly fillSeconds: number;
  readonly fillEventsPerSecond: number;
  readonly readSeconds: number;
  readonly readEventsPerSecond: number;
  readonly pages: number;
}

/** Fills a fresh log with `total` events in appends of `perAppend`, then reads it all in pages of `pageSize`. */
export async function benchReadAll(
  path: string,
  total: number,
  perAppend: number,
  pageSize: number,
): Promise<ReadAllRun> {
  const store = new SqliteEventStore({ path });
  let fillMs = 0;
  for (let i = 0; i * perAppend < total; i++) {
    const count = Math.min(perAppend, total - i * perAppend);
    const events = Array.from({ length: count }, (_, j) => testEvent("Filled", { n: i * perAppend + j }));
    const began = performance.now();
    await store.append(`fill-${i}`, events, { expectedRevision: "no_stream" });
    fillMs += performance.now() - began;
  }

  let after = "0";
  let read = 0;
  let pages = 0;
  const began = performance.now();
  for (;;) {
    const page = await store.readAll({ after, maxCount: pageSize });
    if (page.length === 0) break;
    read += page.length;
    pages++;
    after = page[page.length - 1]!.position;
  }
  const readMs = performance.now() - began;
  await store.close();
  if (read !== total) throw new Error(`read ${read} events, appended ${total}`);
  return {
    events: read,
    fillSeconds: fillMs / 1000,
    fillEventsPerSecond: total / (fillMs / 1000),
    readSeconds: readMs / 1000,
    readEventsPerSecond: read / (readMs / 1000),
    pages,
  };
}

// ——— Sections ———

const APPEND_SECONDS = Number(process.env.BENCH_APPEND_SECONDS ?? 3);
const CONCURRENCIES = [1, 10, 50] as const;
const SHAPES: readonly { shape: AppendShape; label: string }[] = [
  { shape: "separate", label: "separate streams, exact revision" },
  { shape: "hot-any", label: "one hot stream, any" },
  { shape: "hot-exact", label: "one hot stream, exact + retry" },
];
const APPEND_TARGET = 10_000;
/** Slices the ceiling and the store alternate in, so that drift in the disk's fsync latency hits both. */
const SLICES = 4;
const READ_ALL_TARGET = 200_000;

const figureKey = (shape: AppendShape, concurrency: number, name: string) =>
  `sqlite.append.${shape}.c${concurrency}.${name}`;

/** Section 1: store append throughput and latency at 1, 10 and 50 concurrent appenders, three shapes. */
export async function sqliteAppendSection(ctx: BenchContext): Promise<void> {
  printHeading("1. SQLite event store: single-event appends");
  // Warm the JIT and the page cache paths so that the first measured row is not penalised.
  await benchStoreAppends(join(ctx.dir, "warmup.db"), {
    shape: "separate",
    concurrency: 10,
    durationMs: 1000,
    maxAppends: Number.POSITIVE_INFINITY,
  });

  const runs: AppendRun[] = [];
  for (const { shape } of SHAPES) {
    for (const concurrency of CONCURRENCIES) {
      const run = await benchStoreAppends(join(ctx.dir, `append-${shape}-${concurrency}.db`), {
        shape,
        concurrency,
        durationMs: APPEND_SECONDS * 1000,
        maxAppends: 200_000,
      });
      runs.push(run);
      for (const [name, value] of Object.entries(run)) {
        if (typeof value === "number") ctx.figures.set(figureKey(shape, concurrency, name), value);
      }
    }
  }

  printTable({
    title: `Each appender awaits one single-event append at a time, for ${APPEND_SECONDS} s per row; fresh database file per row.`,
    columns: [
      "shape",
      "appenders",
      "appends",
      "appends/s",
      "p50 ms",
      "p99 ms",
      "failed",
      "conflicts",
      "commits",
      "appends/commit",
    ],
    rows: runs.map((run) => [
      SHAPES.find((s) => s.shape === run.shape)!.label,
      run.concurrency,
      run.appends,
      run.appendsPerSecond,
      fmtMs(run.p50Ms),
      fmtMs(run.p99Ms),
      run.failed,
      run.shape === "hot-exact" ? run.conflicts : "-",
      run.commits,
      run.appendsPerCommit.toFixed(1),
    ]),
    notes: [
      "failed = rejected append promises (for exact + retry: other than the revision conflicts it retries).",
      "conflicts = WrongExpectedRevision rejections, each retried after the command handler's jittered backoff;",
      "  latency of a retried append runs from its first attempt. appends/commit counts attempts (conflicts",
      "  included) per group-commit transaction, i.e. one fsync each.",
      ...runs
        .filter((run) => run.abandoned > 0)
        .map(
          (run) =>
            `exact + retry, ${run.concurrency} appenders: ${run.abandoned} appends were still retrying when time was up (not counted).`,
        ),
    ],
  });

  for (const shape of ["separate", "hot-any"] as const) {
    const run = runs.find((r) => r.shape === shape && r.concurrency === 50)!;
    const target: Target = {
      name: `SQLite, 50 concurrent appenders, ${SHAPES.find((s) => s.shape === shape)!.label}`,
      wanted: `≥ ${fmtNum(APPEND_TARGET)} durable appends/s with 0 failures`,
      measured: `${fmtNum(run.appendsPerSecond)} appends/s, ${run.failed} failed`,
      ok: run.appendsPerSecond >= APPEND_TARGET && run.failed === 0,
    };
    ctx.targets.push(target);
    printTarget(target);
  }
}

/** Section 2: the raw node:sqlite ceiling for the same inserts, and the store as a fraction of it. */
export async function sqliteCeilingSection(ctx: BenchContext): Promise<void> {
  printHeading("2. Ceiling: the same inserts on a bare node:sqlite loop (WAL, synchronous=FULL)");
  const ms = APPEND_SECONDS * 1000;
  const naive = benchRawInserts(join(ctx.dir, "raw-naive.db"), 1, 50, ms);
  const rows: (string | number)[][] = [
    ["(a) one commit per insert", 1, 50, naive.rowsPerSecond, "-", "-", "-", "-"],
  ];
  for (const concurrency of CONCURRENCIES) {
    const section1 = ctx.figures.get(figureKey("separate", concurrency, "appendsPerSecond"));
    const group = ctx.figures.get(figureKey("separate", concurrency, "appendsPerCommit"));
    if (section1 === undefined || group === undefined) continue;
    const rowsPerCommit = Math.max(1, Math.round(group));
    // The disk is shared and its fsync latency drifts by 2× within a minute, so the ratio compares the
    // ceiling with store runs interleaved with it (raw, store, raw, store… in short slices, fresh files),
    // not with section 1's figure from a minute earlier.
    let rawRows = 0;
    let rawSeconds = 0;
    let storeAppends = 0;
    let storeSeconds = 0;
    for (let slice = 0; slice < SLICES; slice++) {
      const raw = benchRawInserts(
        join(ctx.dir, `raw-${concurrency}-${slice}.db`),
        rowsPerCommit,
        concurrency,
        ms / SLICES,
      );
      rawRows += raw.rows;
      rawSeconds += raw.seconds;
      const run = await benchStoreAppends(join(ctx.dir, `beside-${concurrency}-${slice}.db`), {
        shape: "separate",
        concurrency,
        durationMs: ms / SLICES,
        maxAppends: Number.POSITIVE_INFINITY,
      });
      storeAppends += run.appends;
      storeSeconds += run.seconds;
    }
    const ceiling = { rowsPerSecond: rawRows / rawSeconds };
    const store = { appendsPerSecond: storeAppends / storeSeconds };
    ctx.figures.set(`sqlite.ceiling.c${concurrency}.rowsPerSecond`, ceiling.rowsPerSecond);
    rows.push([
      `(b) batched like the store at ${concurrency} appender${concurrency === 1 ? "" : "s"}`,
      rowsPerCommit,
      concurrency,
      ceiling.rowsPerSecond,
      store.appendsPerSecond,
      section1,
      fmtRatio(store.appendsPerSecond / ceiling.rowsPerSecond),
      `×${(store.appendsPerSecond / naive.rowsPerSecond).toFixed(1)}`,
    ]);
  }
  printTable({
    title: `Single-row inserts of the store's row shape into its schema, one synchronous loop, ${APPEND_SECONDS} s per row.`,
    columns: [
      "raw loop",
      "rows/commit",
      "streams",
      "rows/s",
      "store appends/s interleaved",
      "store, section 1",
      "store ÷ ceiling",
      "store ÷ (a)",
    ],
    rows,
    notes: [
      "(b) commits every N rows, N = the store's appends per group commit at that concurrency in section 1",
      "(separate streams), rounded: what the store could reach if it cost nothing but SQLite and the fsync.",
      `"store appends/s interleaved" re-runs section 1's separate-streams row in ${SLICES} slices alternating with the`,
      `raw loop's (${APPEND_SECONDS} s each in all); the ratios use it, so both sides of a ratio see the same disk.`,
    ],
  });
}

/** Section 3: fill a log of 1,000,000 events, then read it all page by page. */
export async function sqliteReadAllSection(ctx: BenchContext): Promise<void> {
  const total = Number(process.env.BENCH_READ_ALL_EVENTS ?? 1_000_000);
  const perAppend = 1000;
  const pageSize = 10_000;
  printHeading(`3. SQLite event store: read-all over ${fmtNum(total)} events`);
  const run = await benchReadAll(join(ctx.dir, "read-all.db"), total, perAppend, pageSize);
  printTable({
    title: `Fill: ${fmtNum(total / perAppend)} appends of ${perAppend} events (small payload), one after another. Read: readAll({ after, maxCount: ${fmtNum(pageSize)} }) until empty.`,
    columns: ["phase", "events", "time", "events/s"],
    rows: [
      ["fill (multi-event appends)", total, fmtSeconds(run.fillSeconds * 1000), run.fillEventsPerSecond],
      [
        `read all (${run.pages} pages)`,
        run.events,
        fmtSeconds(run.readSeconds * 1000),
        run.readEventsPerSecond,
      ],
    ],
    notes: ["fill time is the time spent in append() only (building the events is not counted)."],
  });
  ctx.figures.set("sqlite.readAll.eventsPerSecond", run.readEventsPerSecond);
  const target: Target = {
    name: "SQLite read-all",
    wanted: `≥ ${fmtNum(READ_ALL_TARGET)} events/s`,
    measured: `${fmtNum(run.readEventsPerSecond)} events/s`,
    ok: run.readEventsPerSecond >= READ_ALL_TARGET,
  };
  ctx.targets.push(target);
  printTarget(target);
}
