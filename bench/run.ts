// `npm run bench`: runs every benchmark section in one process, on a fresh temp directory, and prints one report.
// Benchmarks only: nothing here is a test, and a missed target does not fail the run (a crashed section does).

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { bankStatementSection } from "./bank-statement.bench.ts";
import { checkoutInitSection } from "./checkout-init.bench.ts";
import { sqliteAppendSection, sqliteCeilingSection, sqliteReadAllSection } from "./eventstore.bench.ts";
import { journalSection } from "./journal.bench.ts";
import { kredmintEligibilitySection } from "./kredmint-eligibility.bench.ts";
import { memorySection } from "./memory.bench.ts";
import { postgresUnreachable } from "./postgres.ts";
import { kafkaSection, readStoreSection } from "./production.bench.ts";
import { replaySection } from "./replay.bench.ts";
import {
  type BenchContext,
  fmtNum,
  fmtRatio,
  passFail,
  printHeading,
  printTable,
  printTarget,
  type Section,
  type Target,
} from "./report.ts";
import { zeroClickInitSection } from "./zero-click-init.bench.ts";

/** The contract of bench/postgres-append.bench.ts, which may not exist yet (imported dynamically). */
type BenchPostgresAppends = (
  concurrency: number,
  appendsPerWorker: number,
  databaseUrl: string,
) => Promise<{ appendsPerSecond: number; failed: number }>;

const POSTGRES_CONCURRENCY = 50;
const POSTGRES_APPENDS_PER_WORKER = Number(process.env.BENCH_PG_APPENDS_PER_WORKER ?? 200);

/** PostgreSQL appends at 50 concurrent appenders next to SQLite's figure, when the module and server are there. */
async function postgresAppendSection(ctx: BenchContext): Promise<void> {
  printHeading(`4. PostgreSQL event store: ${POSTGRES_CONCURRENCY} concurrent appenders`);
  const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const modulePath = new URL("./postgres-append.bench.ts", import.meta.url);
  if (!existsSync(modulePath)) {
    console.log("\n  skipped: bench/postgres-append.bench.ts does not exist yet.");
    return;
  }
  const unreachable = await postgresUnreachable(databaseUrl);
  if (unreachable) {
    console.log(`\n  skipped: PostgreSQL at ${redact(databaseUrl)} does not answer (${unreachable}).`);
    return;
  }
  const module = (await import(modulePath.href)) as { benchPostgresAppends?: BenchPostgresAppends };
  if (typeof module.benchPostgresAppends !== "function") {
    console.log("\n  skipped: bench/postgres-append.bench.ts does not export benchPostgresAppends.");
    return;
  }
  const postgres = await module.benchPostgresAppends(
    POSTGRES_CONCURRENCY,
    POSTGRES_APPENDS_PER_WORKER,
    databaseUrl,
  );
  const sqlite = ctx.figures.get(`sqlite.append.separate.c${POSTGRES_CONCURRENCY}.appendsPerSecond`);
  const sqliteFailed = ctx.figures.get(`sqlite.append.separate.c${POSTGRES_CONCURRENCY}.failed`);
  printTable({
    title: `${POSTGRES_CONCURRENCY} concurrent appenders; PostgreSQL: ${POSTGRES_APPENDS_PER_WORKER} appends per appender at ${redact(databaseUrl)}.`,
    columns: ["store", "appends/s", "failed", "÷ SQLite"],
    rows: [
      ["SQLite (section 1, separate streams)", sqlite ?? "-", sqliteFailed ?? "-", sqlite ? "100 %" : "-"],
      [
        "PostgreSQL",
        postgres.appendsPerSecond,
        postgres.failed,
        sqlite ? fmtRatio(postgres.appendsPerSecond / sqlite) : "-",
      ],
    ],
  });
  const target: Target = {
    name: `PostgreSQL appends at ${POSTGRES_CONCURRENCY} concurrent appenders`,
    wanted: "≥ 5,000 events/s",
    measured: `${fmtNum(postgres.appendsPerSecond)} events/s (${postgres.failed} failed)`,
    ok: postgres.appendsPerSecond >= 5_000 && postgres.failed === 0,
  };
  printTarget(target);
  ctx.targets.push(target);
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}

const SECTIONS: readonly { name: string; run: Section }[] = [
  { name: "sqlite appends", run: sqliteAppendSection },
  { name: "sqlite ceiling", run: sqliteCeilingSection },
  { name: "sqlite read-all", run: sqliteReadAllSection },
  { name: "postgres appends", run: postgresAppendSection },
  { name: "read stores", run: readStoreSection },
  { name: "kafka", run: kafkaSection },
  { name: "checkout init over HTTP", run: checkoutInitSection },
  { name: "0-click init over HTTP", run: zeroClickInitSection },
  { name: "journal", run: journalSection },
  { name: "memory", run: memorySection },
  { name: "ledger replay", run: replaySection },
  { name: "kredmint eligibility", run: kredmintEligibilitySection },
  { name: "bank statement matching", run: bankStatementSection },
];

/** BENCH_SECTIONS=<words, comma-separated>: only the sections whose name contains one of them. */
const only = process.env.BENCH_SECTIONS?.split(",")
  .map((word) => word.trim())
  .filter(Boolean);
const selected = only ? SECTIONS.filter((s) => only.some((word) => s.name.includes(word))) : SECTIONS;

/** The machine may be shared: the load average says how much of it this run had. */
function loadAverage(): string {
  const [one, five] = loadavg();
  return `load average ${one?.toFixed(2)} (1 min), ${five?.toFixed(2)} (5 min) on ${availableParallelism()} CPUs`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "ledger-bench-"));
  const cleanUp = () => rmSync(dir, { recursive: true, force: true });
  process.once("SIGINT", () => {
    cleanUp();
    process.exit(130);
  });
  const ctx: BenchContext = { dir, figures: new Map(), targets: [] };
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log("Ledger benchmarks");
  console.log(
    `node ${process.version}, ${process.platform} ${process.arch}, ${cpus().length} × ${cpu}, temp dir ${dir}`,
  );
  console.log(`started ${new Date().toISOString()}, ${loadAverage()}`);
  const began = performance.now();
  const crashed: string[] = [];
  try {
    for (const section of selected) {
      try {
        await section.run(ctx);
      } catch (error) {
        crashed.push(section.name);
        console.log(`\n  section "${section.name}" crashed: ${error instanceof Error ? error.stack : error}`);
      }
    }
  } finally {
    cleanUp();
  }

  printHeading("Targets");
  printTable({
    title: "Each target is printed under its section too.",
    columns: ["target", "wanted", "measured", "result"],
    rows: ctx.targets.map((t: Target) => [t.name, t.wanted, t.measured, passFail(t.ok)]),
    notes: crashed.length > 0 ? [`crashed sections: ${crashed.join(", ")}`] : [],
  });
  console.log(
    `\nfinished in ${fmtNum((performance.now() - began) / 1000)} s, ${loadAverage()}; temp dir removed.`,
  );
  if (crashed.length > 0) process.exitCode = 1;
}

await main();
