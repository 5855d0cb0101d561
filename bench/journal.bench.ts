// The journal: settle → journal projection throughput on the embedded store, and trial balance query time
// over a journal of about a million postings (current, as of a log position, as of an effective time).

import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { v7 as uuidv7 } from "uuid";
import type { EventCodec } from "../contracts/event-codec.ts";
import { trialBalance } from "../services/finance/queries.ts";
import { journalProjection } from "../services/finance/read-models/journal.ts";
import { type CheckoutEvent, checkoutCodec } from "../services/ledger/checkout/checkout.events.ts";
import { type CreditLineEvent, creditLineCodec } from "../services/ledger/creditline/creditline.events.ts";
import { applyBps, loanTerms } from "../services/ledger/loan/loan-terms.ts";
import type { EventToAppend } from "../services/platform/eventstore/port.ts";
import { SqliteEventStore } from "../services/platform/eventstore/sqlite-event-store.ts";
import { SqliteReadStore } from "../services/platform/readstore/sqlite-read-store.ts";
import { ProjectionRunner } from "../services/projector/projection-runner.ts";
import {
  type BenchContext,
  fmtMs,
  fmtNum,
  fmtSeconds,
  percentile,
  printHeading,
  printTable,
  printTarget,
  type Target,
} from "./report.ts";

const PROJECTION_TARGET = 20_000;
const TRIAL_BALANCE_TARGET_MS = 200;

export interface JournalLogShape {
  /** Journal events in the log (Settled, Cancelled, RepaymentApplied). */
  readonly events: number;
  readonly buyers: number;
  readonly merchants: number;
}

const TENURES = [1, 3, 6, 12] as const;

export function encoded<E extends { type: string }>(
  codec: EventCodec<E>,
  event: E,
  at: string,
): EventToAppend {
  return {
    ...codec.encode(event),
    eventId: uuidv7(),
    occurredAt: at,
    correlationId: "bench",
    causationId: "bench",
    tenantId: "bench",
    actor: "bench",
  };
}

/**
 * Appends a journal-heavy log built directly with the codecs: each checkout settles (tenure 1, 3, 6, 12 in
 * turn; 1.5 % merchant fee, the service's loan terms), one in five is then partly cancelled, and every
 * other settlement is followed by a repayment on its buyer's credit line. Returns the log head.
 */
export async function buildJournalLog(store: SqliteEventStore, shape: JournalLogShape): Promise<string> {
  let written = 0;
  let i = 0;
  let inFlight: Promise<unknown>[] = [];
  const start = Date.parse("2026-01-01T00:00:00.000Z");
  while (written < shape.events) {
    i++;
    const at = new Date(start + i * 1000).toISOString();
    const userId = `buyer-${i % shape.buyers}`;
    const merchantId = `merchant-${i % shape.merchants}`;
    const transactionId = uuidv7();
    const tenure = TENURES[i % TENURES.length]!;
    const amountMinor = 700_000n + BigInt((i * 7919) % 9_000_000);
    const terms = loanTerms(amountMinor, tenure);
    const merchantFeeMinor = applyBps(amountMinor, 150);
    const events: CheckoutEvent[] = [
      {
        type: "Settled",
        data: {
          settledAt: at,
          merchantId,
          userId,
          tenure,
          amountMinor,
          merchantFeeMinor,
          interestMinor: terms.interestMinor,
          processingFeeMinor: terms.processingFeeMinor,
        },
      },
    ];
    if (i % 5 === 0 && written + 2 <= shape.events) {
      const part = amountMinor / 4n;
      const of = (total: bigint) => (total * part) / amountMinor;
      events.push({
        type: "Cancelled",
        data: {
          cancellationId: uuidv7(),
          cancelledAt: at,
          merchantId,
          userId,
          amountMinor: part,
          remainingMinor: amountMinor - part,
          reason: "bench",
          cancelledBy: "merchant",
          afterPayout: false,
          merchantFeeMinor: of(merchantFeeMinor),
          interestMinor: of(terms.interestMinor),
          processingFeeMinor: of(terms.processingFeeMinor),
        },
      });
    }
    inFlight.push(
      store.append(
        `checkout-${transactionId}`,
        events.map((e) => encoded(checkoutCodec, e, at)),
        { expectedRevision: "no_stream" },
      ),
    );
    written += events.length;
    if (i % 2 === 0 && written < shape.events) {
      const fee = terms.processingFeeMinor;
      const interest = terms.interestMinor / BigInt(tenure);
      const principal = amountMinor / BigInt(tenure);
      const repayment: CreditLineEvent = {
        type: "RepaymentApplied",
        data: {
          repaymentId: uuidv7(),
          receivedAt: at,
          amountMinor: fee + interest + principal,
          bankReference: `UTR${i}`,
          allocations: [
            {
              transactionId,
              installment: 1,
              principalMinor: principal,
              interestMinor: interest,
              feeMinor: fee,
            },
          ],
        },
      };
      inFlight.push(
        store.append(`creditline-${userId}`, [encoded(creditLineCodec, repayment, at)], {
          expectedRevision: "any",
        }),
      );
      written++;
    }
    if (inFlight.length >= 2000) {
      await Promise.all(inFlight);
      inFlight = [];
    }
  }
  await Promise.all(inFlight);
  return store.headPosition();
}

export interface JournalBenchRun {
  readonly events: number;
  readonly postings: number;
  readonly accounts: number;
  readonly buildSeconds: number;
  readonly projectSeconds: number;
  readonly eventsPerSecond: number;
  readonly currentMs: readonly number[];
  readonly asOfPositionMs: readonly number[];
  readonly asOfTimeMs: readonly number[];
  readonly asOfMidDayMs: readonly number[];
  readonly asOfDayEndMs: readonly number[];
}

async function timed(runs: number, work: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const began = performance.now();
    await work();
    samples.push(performance.now() - began);
  }
  return samples;
}

/**
 * This machine's pace for comparison: plain single-row inserts (TEXT key, one secondary index) through
 * node:sqlite, 500 per transaction, as the read store runs them (WAL, synchronous=NORMAL).
 */
export function rawInsertsPerSecond(path: string, rows = 100_000): number {
  const db = new DatabaseSync(path);
  try {
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    db.exec("CREATE TABLE t (id TEXT PRIMARY KEY, account TEXT NOT NULL, amount BIGINT NOT NULL)");
    db.exec("CREATE INDEX t_account ON t (account)");
    const insert = db.prepare("INSERT INTO t (id, account, amount) VALUES (?, ?, ?)");
    const began = performance.now();
    for (let i = 0; i < rows; i += 500) {
      db.exec("BEGIN");
      for (let j = i; j < i + 500; j++)
        insert.run(`e-${j}`, `customer-receivable:buyer-${(j * 7919) % 10_000}`, 1000n);
      db.exec("COMMIT");
    }
    return rows / ((performance.now() - began) / 1000);
  } finally {
    db.close();
  }
}

export async function benchJournal(dir: string, shape: JournalLogShape): Promise<JournalBenchRun> {
  const store = new SqliteEventStore({ path: join(dir, "journal-log.db") });
  // A fresh read store in its own file: the projection catches up from position 0.
  const readStore = new SqliteReadStore({ path: join(dir, "journal-read.db") });
  try {
    const building = performance.now();
    const head = await buildJournalLog(store, shape);
    const buildSeconds = (performance.now() - building) / 1000;

    const runner = new ProjectionRunner({
      store,
      readStore,
      projections: [journalProjection],
      logger: { info: () => {}, error: () => {} },
    });
    const projecting = performance.now();
    await runner.start();
    const caughtUp = await runner.waitFor(head, 30 * 60_000);
    const projectSeconds = (performance.now() - projecting) / 1000;
    await runner.stop();
    const [state] = await readStore.projectionStates();
    if (!caughtUp || state?.status !== "running") {
      throw new Error(`the journal projection did not catch up: ${state?.status} ${state?.error ?? ""}`);
    }
    const [counts] = await readStore.query(
      `SELECT (SELECT COUNT(*) FROM journal_entries) AS entries, (SELECT COUNT(*) FROM journal_postings) AS postings,
              (SELECT COUNT(*) FROM account_balances) AS accounts`,
    );
    const events = Number(counts?.entries ?? 0);
    const middle = BigInt(head) / 2n;
    const currentMs = await timed(7, () => trialBalance(readStore, { kind: "current" }));
    const asOfPositionMs = await timed(7, () =>
      trialBalance(readStore, { kind: "position", position: middle }),
    );
    // At a day boundary only daily movements are read; at noon the day's two quarters before it too (this log
    // is dense: about 250,000 postings by noon).
    const asOfTimeMs = await timed(5, () =>
      trialBalance(readStore, { kind: "time", at: "2026-01-02T00:00:00.000Z" }),
    );
    const asOfMidDayMs = await timed(5, () =>
      trialBalance(readStore, { kind: "time", at: "2026-01-01T12:00:00.000Z" }),
    );
    // The most any time reads: the days before, three quarters, five hours and an hour of postings.
    const asOfDayEndMs = await timed(5, () =>
      trialBalance(readStore, { kind: "time", at: "2026-01-02T23:59:59.999Z" }),
    );
    return {
      events,
      postings: Number(counts?.postings ?? 0),
      accounts: Number(counts?.accounts ?? 0),
      buildSeconds,
      projectSeconds,
      eventsPerSecond: events / projectSeconds,
      currentMs,
      asOfPositionMs,
      asOfTimeMs,
      asOfMidDayMs,
      asOfDayEndMs,
    };
  } finally {
    await store.close();
    await readStore.close();
  }
}

export async function journalSection(ctx: BenchContext): Promise<void> {
  const shape: JournalLogShape = {
    events: Number(process.env.BENCH_JOURNAL_EVENTS ?? 200_000),
    buyers: Number(process.env.BENCH_JOURNAL_BUYERS ?? 10_000),
    merchants: Number(process.env.BENCH_JOURNAL_MERCHANTS ?? 100),
  };
  printHeading(`7. Journal: projection throughput and trial balance over ${fmtNum(shape.events)} events`);
  const before = rawInsertsPerSecond(join(ctx.dir, "raw-before.db"));
  const run = await benchJournal(ctx.dir, shape);
  const after = rawInsertsPerSecond(join(ctx.dir, "raw-after.db"));
  printTable({
    title: `Log built with the codecs: ${fmtNum(run.events)} Settled/Cancelled/RepaymentApplied events, ${fmtNum(shape.buyers)} buyers, ${fmtNum(shape.merchants)} merchants → ${fmtNum(run.postings)} postings over ${fmtNum(run.accounts)} accounts.`,
    columns: ["phase", "events", "time", "events/s"],
    rows: [
      [
        "build the log (appends)",
        run.events,
        fmtSeconds(run.buildSeconds * 1000),
        run.events / run.buildSeconds,
      ],
      [
        "journal projection, fresh SQLite read store",
        run.events,
        fmtSeconds(run.projectSeconds * 1000),
        run.eventsPerSecond,
      ],
    ],
    notes: [
      "projection: ProjectionRunner.start() on an empty read store until waitFor(head): catch-up reads,",
      "decoding, posting rules, assertBalanced and the SQL (entries, postings with running totals, balances,",
      "merchant open items), batches of 500 events per transaction, each as multi-row inserts.",
      `this machine's pace, plain single-row inserts (TEXT key + 1 index, 500 per transaction): ${fmtNum(before)}/s`,
      `before, ${fmtNum(after)}/s after; each journal event writes ~7 rows into ~20 B-trees, plus its share of`,
      "the batch's one balance upsert per account.",
    ],
  });
  const row = (label: string, samples: readonly number[]) => [
    label,
    fmtMs(percentile(samples, 50)),
    fmtMs(Math.min(...samples)),
    fmtMs(Math.max(...samples)),
    samples.length,
  ];
  printTable({
    title: `Trial balance (every account, ${fmtNum(run.accounts)} of them) over ${fmtNum(run.postings)} postings, query function only (no HTTP).`,
    columns: ["trial balance", "median ms", "min ms", "max ms", "runs"],
    rows: [
      row("current (account_balances)", run.currentMs),
      row("as of the middle log position (seek per account)", run.asOfPositionMs),
      row("as of an effective time, midnight (daily movements)", run.asOfTimeMs),
      row("as of an effective time, noon (daily and two quarter-day movements)", run.asOfMidDayMs),
      row(
        "as of an effective time, 23:59:59.999 (+ 3 quarters, 5 hours, an hour's postings)",
        run.asOfDayEndMs,
      ),
    ],
    notes: [
      "the floor on this machine, in the same run: the current trial balance, which reads each account's one",
      "row once; every as-of answer reads at least that much.",
    ],
  });
  ctx.figures.set("journal.projection.eventsPerSecond", run.eventsPerSecond);
  const asOfTimes = [run.asOfTimeMs, run.asOfMidDayMs, run.asOfDayEndMs];
  const targets: Target[] = [
    {
      name: "journal projection",
      wanted: `≥ ${fmtNum(PROJECTION_TARGET)} events/s`,
      measured: `${fmtNum(run.eventsPerSecond)} events/s`,
      ok: run.eventsPerSecond >= PROJECTION_TARGET,
    },
    {
      name: "trial balance, current",
      wanted: `< ${TRIAL_BALANCE_TARGET_MS} ms`,
      measured: `${fmtMs(percentile(run.currentMs, 50))} ms`,
      ok: percentile(run.currentMs, 50) < TRIAL_BALANCE_TARGET_MS,
    },
    {
      name: "trial balance, as of a position",
      wanted: `< ${TRIAL_BALANCE_TARGET_MS} ms`,
      measured: `${fmtMs(percentile(run.asOfPositionMs, 50))} ms`,
      ok: percentile(run.asOfPositionMs, 50) < TRIAL_BALANCE_TARGET_MS,
    },
    {
      name: `trial balance, as of an effective time (midnight / noon / day's end), over ${fmtNum(run.postings)} postings`,
      wanted: `< ${TRIAL_BALANCE_TARGET_MS} ms`,
      measured: `${asOfTimes.map((samples) => fmtMs(percentile(samples, 50))).join(" / ")} ms (floor, current: ${fmtMs(percentile(run.currentMs, 50))} ms)`,
      ok: Math.max(...asOfTimes.map((samples) => percentile(samples, 50))) < TRIAL_BALANCE_TARGET_MS,
    },
  ];
  for (const target of targets) {
    ctx.targets.push(target);
    printTarget(target);
  }
}
