// Sections of `npm run bench` for the production shape: Kafka (publish throughput and end-to-end lag from
// append to the consumer helper's handler, bench/kafka.bench.ts) and the read stores' transaction cost
// (the floor under a live projection, which applies each arriving batch in one transaction).

import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { ReadStore, Statement } from "../services/platform/readstore/port.ts";
import { PostgresReadStore } from "../services/platform/readstore/postgres-read-store.ts";
import { SqliteReadStore } from "../services/platform/readstore/sqlite-read-store.ts";
import { type KafkaBrokers, kafkaBrokers } from "../test/support/kafka.ts";
import { benchKafka } from "./kafka.bench.ts";
import { postgresUnreachable } from "./postgres.ts";
import {
  type BenchContext,
  fmtMs,
  fmtNum,
  fmtRatio,
  printHeading,
  printTable,
  printTarget,
  type Target,
} from "./report.ts";

const KAFKA_EVENTS = Number(process.env.BENCH_KAFKA_EVENTS ?? 20_000);
const KAFKA_RATE = 1_000;
const KAFKA_SECONDS = Number(process.env.BENCH_KAFKA_SECONDS ?? 10);
const LAG_P99_TARGET_MS = 100;

/**
 * Publish throughput and append → handler lag at 1,000 events/s on a real broker: KAFKA_BROKERS, else a
 * Docker engine's testcontainers Kafka, else the local broker from deploy/kafka (started and stopped here
 * if this run started it). Skipped, with the reason, when none can be had.
 */
export async function kafkaSection(ctx: BenchContext): Promise<void> {
  printHeading("5. Kafka: publish throughput and end-to-end lag");
  let kafka: KafkaBrokers;
  try {
    kafka = await kafkaBrokers();
  } catch (error) {
    // The script's first line says what failed, its last line why.
    const lines = (error instanceof Error ? error.message : String(error))
      .split("\n")
      .filter((l) => l.trim());
    const reason = lines.length > 1 ? `${lines[0]} ${lines.at(-1)}` : lines[0];
    console.log(`\n  skipped: no Kafka broker could be started (${reason}); set KAFKA_BROKERS to use one.`);
    return;
  }
  try {
    const result = await benchKafka(kafka.brokers, {
      events: KAFKA_EVENTS,
      rate: KAFKA_RATE,
      seconds: KAFKA_SECONDS,
    });
    ctx.figures.set("kafka.publish.eventsPerSecond", result.publishPerSecond);
    ctx.figures.set("kafka.lag.p99Ms", result.lagP99Ms);
    printTable({
      title: `Broker ${kafka.brokers.join(",")} (${kafka.source}); SQLite log, publisher and consumer helper in this process.`,
      columns: ["measure", "value"],
      rows: [
        [
          `publish a backlog of ${fmtNum(KAFKA_EVENTS)} events (acks=all, idempotent)`,
          `${fmtNum(result.publishPerSecond)} events/s`,
        ],
        [
          `append → handler lag p50 at ${fmtNum(KAFKA_RATE)} events/s for ${KAFKA_SECONDS} s`,
          `${fmtMs(result.lagP50Ms)} ms`,
        ],
        [
          `append → handler lag p99 at ${fmtNum(KAFKA_RATE)} events/s for ${KAFKA_SECONDS} s`,
          `${fmtMs(result.lagP99Ms)} ms`,
        ],
      ],
      notes: ["Lag: from the append call to the consumer helper's handler (dedupe included), one clock."],
    });
    const target: Target = {
      name: `Kafka end-to-end lag p99 at ${fmtNum(KAFKA_RATE)} events/s`,
      wanted: `< ${LAG_P99_TARGET_MS} ms`,
      measured: `${fmtMs(result.lagP99Ms)} ms (p50 ${fmtMs(result.lagP50Ms)} ms)`,
      ok: result.lagP99Ms < LAG_P99_TARGET_MS,
    };
    printTarget(target);
    ctx.targets.push(target);
  } finally {
    if (kafka.stop) {
      await kafka.stop();
      console.log("  (the broker this run started is stopped again)");
    }
  }
}

const APPLY_TRANSACTIONS = Number(process.env.BENCH_READ_STORE_TRANSACTIONS ?? 2_000);
const BATCH = 100;
const READ_STORE_STATEMENTS_TARGET = 30_000;

/**
 * The read stores' apply() — changes plus checkpoint in one transaction — one statement per transaction
 * (a live projection at a trickle) and 100 per transaction (catching up), SQLite next to PostgreSQL.
 */
export async function readStoreSection(ctx: BenchContext): Promise<void> {
  printHeading("4b. Read stores: apply() transactions, SQLite and PostgreSQL");
  const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const rows: (string | number)[][] = [];
  const sqlite = new SqliteReadStore({ path: join(ctx.dir, "read-store-bench.db") });
  try {
    rows.push(["SQLite (file, synchronous=NORMAL)", ...(await applyRun(sqlite))]);
  } finally {
    await sqlite.close();
  }
  const unreachable = await postgresUnreachable(databaseUrl);
  if (unreachable) {
    console.log(`\n  PostgreSQL skipped: it does not answer (${unreachable}).`);
  } else {
    const schema = `rs_bench_${randomBytes(6).toString("hex")}`;
    const postgres = new PostgresReadStore({ connectionString: databaseUrl, schema });
    try {
      rows.push(["PostgreSQL (127.0.0.1, own schema)", ...(await applyRun(postgres))]);
    } finally {
      await postgres.dropSchema().catch(() => undefined);
      await postgres.close();
    }
  }
  const [sqliteTx, postgresTx] = [rows[0]?.[1], rows[1]?.[1]];
  printTable({
    title: `${fmtNum(APPLY_TRANSACTIONS)} transactions of 1 upsert, then ${fmtNum(APPLY_TRANSACTIONS)} upserts in batches of ${BATCH}; each with its checkpoint, awaited one after another.`,
    columns: ["read store", "tx/s (1 statement)", "statements/s (batches of 100)"],
    rows,
    notes:
      typeof sqliteTx === "number" && typeof postgresTx === "number"
        ? [
            `PostgreSQL one-statement transactions at ${fmtRatio(postgresTx / sqliteTx)} of SQLite's rate: a`,
            "round trip and a commit (fsync) each, which is why the runner applies a batch per transaction.",
          ]
        : [],
  });
  for (const [i, row] of rows.entries()) {
    ctx.figures.set(`readstore.${i === 0 ? "sqlite" : "postgres"}.txPerSecond`, Number(row[1]));
  }
  const postgresBatched = rows[1]?.[2];
  if (typeof postgresBatched !== "number") return;
  const sqliteBatched = rows[0]?.[2];
  const target: Target = {
    name: `PostgreSQL read store statements in batches of ${BATCH}`,
    wanted: `≥ ${fmtNum(READ_STORE_STATEMENTS_TARGET)} statements/s`,
    measured: `${fmtNum(postgresBatched)} statements/s${typeof sqliteBatched === "number" ? ` (${fmtRatio(postgresBatched / sqliteBatched)} of SQLite's in this run)` : ""}`,
    ok: postgresBatched >= READ_STORE_STATEMENTS_TARGET,
  };
  printTarget(target);
  ctx.targets.push(target);
}

async function applyRun(store: ReadStore): Promise<[number, number]> {
  const tables = { bench_rows: { columns: "id TEXT PRIMARY KEY, n BIGINT NOT NULL" } };
  await store.prepareGeneration("bench", 1, 1, tables);
  await store.promote("bench", 1, 1, tables);
  const upsert = (i: number): Statement => ({
    sql: "INSERT INTO {{bench_rows}} (id, n) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET n = excluded.n",
    params: [`row-${i % 500}`, BigInt(i)],
  });
  let position = 0;
  let began = performance.now();
  for (let i = 0; i < APPLY_TRANSACTIONS; i++) await store.apply("bench", 1, [upsert(i)], String(++position));
  const single = APPLY_TRANSACTIONS / ((performance.now() - began) / 1000);
  began = performance.now();
  for (let i = 0; i < APPLY_TRANSACTIONS; i += BATCH) {
    const batch = Array.from({ length: BATCH }, (_, j) => upsert(i + j));
    position += BATCH;
    await store.apply("bench", 1, batch, String(position));
  }
  const batched = APPLY_TRANSACTIONS / ((performance.now() - began) / 1000);
  return [Math.round(single), Math.round(batched)];
}
