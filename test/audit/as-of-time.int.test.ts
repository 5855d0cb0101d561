import fc from "fast-check";
import { v7 as uuidv7 } from "uuid";
import { describe, expect, it } from "vitest";
import type { EventEnvelope } from "../../contracts/envelope.ts";
import { big, trialBalance } from "../../services/finance/queries.ts";
import { journalProjection } from "../../services/finance/read-models/journal.ts";
import { checkoutCodec } from "../../services/ledger/checkout/checkout.events.ts";
import type { ReadStore } from "../../services/platform/readstore/port.ts";
import { PostgresReadStore } from "../../services/platform/readstore/postgres-read-store.ts";
import { SqliteReadStore } from "../../services/platform/readstore/sqlite-read-store.ts";
import { DATABASE_URL, uniqueSchema } from "../support/postgres.ts";

// The trial balance as of an effective time reads daily, quarter-day and hourly movements plus the hour's
// tail (queries.ts); it must equal the plain sum of every posting effective at or before the time, whatever
// order events were recorded in (late settlements included), on both read stores. A replay sums those
// movements inside the store at the end instead (journalReplayer): the same rows.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.parse("2026-03-01T00:00:00.000Z");

function settled(position: number, at: number): EventEnvelope {
  const encoded = checkoutCodec.encode({
    type: "Settled",
    data: {
      settledAt: new Date(at).toISOString(),
      merchantId: `m${position % 3}`,
      userId: `u${position % 4}`,
      tenure: 3,
      amountMinor: 1_000_000n + BigInt(position),
      merchantFeeMinor: 15_000n,
      interestMinor: 30_000n,
      processingFeeMinor: 5_000n,
    },
  });
  return {
    ...encoded,
    eventId: uuidv7(),
    streamId: `checkout-t${position}`,
    revision: 0,
    position: String(position),
    occurredAt: new Date(at).toISOString(),
    recordedAt: new Date(at).toISOString(),
    correlationId: "c",
    causationId: "c",
    tenantId: "t",
    actor: "a",
  };
}

async function scan(readStore: ReadStore, at: string) {
  const rows = await readStore.query(
    `SELECT account, currency, SUM(debit_minor) AS d, SUM(credit_minor) AS c FROM journal_postings
      WHERE effective_at <= ? GROUP BY account, currency ORDER BY account, currency`,
    [at],
  );
  return rows.map((r) => ({
    account: String(r.account),
    currency: String(r.currency),
    debitMinor: big(r.d),
    creditMinor: big(r.c),
  }));
}

const stores: [string, () => Promise<{ readStore: ReadStore; drop(): Promise<void> }>][] = [
  ["sqlite", async () => ({ readStore: new SqliteReadStore({ path: ":memory:" }), drop: async () => {} })],
  [
    "postgres",
    async () => {
      const schema = uniqueSchema("asof");
      const readStore = new PostgresReadStore({ connectionString: DATABASE_URL, schema });
      return {
        readStore,
        drop: async () => {
          await readStore.query(`DROP SCHEMA ${schema} CASCADE`);
        },
      };
    },
  ],
];

/** Every row of the journal's tables, each table's rows in a stable order. */
async function journalRows(readStore: ReadStore): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of Object.keys(journalProjection.tables)) {
    const rows = await readStore.query(`SELECT * FROM ${table}`);
    out[table] = rows.map((r) => JSON.stringify(Object.entries(r).map(([k, v]) => [k, String(v)]))).sort();
  }
  return out;
}

describe.each(stores)("trial balance as of an effective time: %s", (_, open) => {
  it("a replay's movements and balances, summed by the store at the end, equal the live upserts", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 4 * DAY }), { minLength: 1, maxLength: 25 }),
        async (offsets) => {
          const live = await open();
          const replayed = await open();
          try {
            const { name, version, tables } = journalProjection;
            // Every hour of one day besides the random times, so every quarter's boundaries are crossed.
            const everyHour = Array.from({ length: 24 }, (_, hour) => DAY + hour * HOUR + 1_000);
            const events = [...offsets, ...everyHour].map((offset, i) => settled(i + 1, START + offset));
            const head = String(events.length);
            await live.readStore.prepareGeneration(name, 1, version, tables);
            await live.readStore.apply(name, 1, events.flatMap(journalProjection.handle), head);
            await live.readStore.promote(name, 1, version, tables);
            const replayer = journalProjection.replayer!();
            await replayed.readStore.prepareGeneration(name, 1, version, tables);
            // Two runs, as a replay hands it pages: the totals held between them carry over.
            const half = Math.ceil(events.length / 2);
            const statements = [
              ...replayer.next(events.slice(0, half)),
              ...replayer.next(events.slice(half)),
              ...replayer.finish(),
            ];
            await replayed.readStore.apply(name, 1, statements, head);
            await replayed.readStore.promote(name, 1, version, tables);
            expect(await journalRows(replayed.readStore)).toEqual(await journalRows(live.readStore));
          } finally {
            for (const store of [live, replayed]) {
              await store.drop();
              await store.readStore.close();
            }
          }
        },
      ),
      { numRuns: 8 },
    );
  });

  it("equals the sum of every posting effective at or before it", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 4 * DAY }), { minLength: 1, maxLength: 25 }),
        fc.array(fc.integer({ min: -DAY, max: 5 * DAY }), { minLength: 1, maxLength: 5 }),
        async (offsets, asOfOffsets) => {
          const { readStore, drop } = await open();
          try {
            const { name, version, tables } = journalProjection;
            await readStore.prepareGeneration(name, 1, version, tables);
            // Log order is the array's order; effective times are random, so many are recorded late.
            const events = offsets.map((offset, i) => settled(i + 1, START + offset));
            await readStore.apply(name, 1, events.flatMap(journalProjection.handle), String(events.length));
            await readStore.promote(name, 1, version, tables);
            for (const offset of [...asOfOffsets, ...offsets]) {
              const at = new Date(START + offset).toISOString();
              const { accounts } = await trialBalance(readStore, { kind: "time", at });
              expect(accounts).toEqual(await scan(readStore, at));
              // One account alone (the audit route) answers the same line.
              const one = await trialBalance(readStore, { kind: "time", at }, "fee-income");
              expect(one.accounts).toEqual(accounts.filter((a) => a.account === "fee-income"));
            }
          } finally {
            await drop();
            await readStore.close();
          }
        },
      ),
      { numRuns: 8 },
    );
  });
});
