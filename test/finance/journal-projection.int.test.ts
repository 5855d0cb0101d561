import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventCodec } from "../../contracts/event-codec.ts";
import type { Currency } from "../../contracts/money.ts";
import { openBalances } from "../../services/finance/payouts/payout-run.ts";
import {
  accountCurrencies,
  accountStatement,
  openItems,
  settlementStatement,
  trialBalance,
} from "../../services/finance/queries.ts";
import { journalProjection } from "../../services/finance/read-models/journal.ts";
import { type CheckoutEvent, checkoutCodec } from "../../services/ledger/checkout/checkout.events.ts";
import { type CreditLineEvent, creditLineCodec } from "../../services/ledger/creditline/creditline.events.ts";
import { type MerchantEvent, merchantCodec } from "../../services/ledger/merchant/merchant.events.ts";
import type { EventToAppend } from "../../services/platform/eventstore/port.ts";
import { SqliteEventStore } from "../../services/platform/eventstore/sqlite-event-store.ts";
import type { ReadStore } from "../../services/platform/readstore/port.ts";
import { PostgresReadStore } from "../../services/platform/readstore/postgres-read-store.ts";
import { SqliteReadStore } from "../../services/platform/readstore/sqlite-read-store.ts";
import { ProjectionRunner } from "../../services/projector/projection-runner.ts";
import { DATABASE_URL, uniqueSchema } from "../support/postgres.ts";

// The journal projection on both read stores over one log written with the codecs: settlements for two
// merchants, a cancellation before payout, a payout, a cancellation after it, a repayment, a loan
// cancellation with a refund due, a cancellation landing between a payout run's read and its append, and
// a second payout that nets. Same rows on SQLite and PostgreSQL; the books balance; an unbalanced event
// stops the projection before anything of it is written.

const silent = { info: () => {}, error: () => {} };
let at = Date.parse("2026-11-01T00:00:00.000Z");
const tick = () => {
  at += 60_000;
  return new Date(at).toISOString();
};

function encoded<E extends { type: string }>(codec: EventCodec<E>, event: E): EventToAppend {
  return {
    ...codec.encode(event),
    eventId: uuidv7(),
    occurredAt: tick(),
    correlationId: "journal-test",
    causationId: "journal-test",
    tenantId: "test",
    actor: "test",
  };
}

const settled = (
  merchantId: string,
  amountMinor: bigint,
  feeMinor: bigint,
  interestMinor = 0n,
): CheckoutEvent => ({
  type: "Settled",
  data: {
    settledAt: tick(),
    merchantId,
    userId: "u1",
    tenure: interestMinor === 0n ? 1 : 3,
    amountMinor,
    merchantFeeMinor: feeMinor,
    interestMinor,
    processingFeeMinor: amountMinor / 100n,
  },
});

const cancelled = (
  merchantId: string,
  id: string,
  amountMinor: bigint,
  feeMinor: bigint,
  afterPayout: boolean,
): CheckoutEvent => ({
  type: "Cancelled",
  data: {
    cancellationId: id,
    cancelledAt: tick(),
    merchantId,
    userId: "u1",
    amountMinor,
    remainingMinor: 1n,
    reason: "test",
    cancelledBy: "merchant",
    afterPayout,
    merchantFeeMinor: feeMinor,
    interestMinor: 0n,
    processingFeeMinor: amountMinor / 100n,
  },
});

const payout = (
  payoutId: string,
  payableMinor: bigint,
  receivableMinor: bigint,
  transactionIds: string[],
  currency: Currency = "VND",
): MerchantEvent => ({
  type: "PayoutMade",
  data: {
    payoutId,
    paidAt: tick(),
    currency,
    payableMinor,
    receivableMinor,
    amountMinor: payableMinor - receivableMinor,
    bankAccount: "BCA-1",
    bankReference: `UTR-${payoutId}`,
    transactionIds,
  },
});

/** Runs the journal projection over the whole log into `readStore`; true once it reached the head. */
async function projectJournal(
  store: SqliteEventStore,
  readStore: ReadStore,
  batchSize?: number,
): Promise<boolean> {
  const runner = new ProjectionRunner({
    store,
    readStore,
    projections: [journalProjection],
    logger: silent,
    batchSize,
  });
  await runner.start();
  const reached = await runner.waitFor(await store.headPosition(), 20_000);
  await runner.stop();
  return reached;
}

describe("journal projection on SQLite and PostgreSQL", () => {
  let dir: string;
  let store: SqliteEventStore;
  let sqlite: SqliteReadStore;
  let postgres: PostgresReadStore;
  const schema = uniqueSchema("journal");
  const append = async (streamId: string, events: EventToAppend[]) =>
    (await store.append(streamId, events, { expectedRevision: "any" })).position;
  const project = (readStore: ReadStore) => projectJournal(store, readStore);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ledger-journal-"));
    store = new SqliteEventStore({ path: join(dir, "ledger.db") });
    const c = (event: CheckoutEvent) => encoded(checkoutCodec, event);
    // Merchant a: t1 1,000,000 (fee 20,000), t2 500,000 (fee 10,000), 100,000 of t2 cancelled before payout.
    await append("checkout-t1", [c(settled("a", 1_000_000n, 20_000n))]);
    await append("checkout-t2", [c(settled("a", 500_000n, 10_000n, 44_250n))]);
    await append("checkout-t2", [c(cancelled("a", "c1", 100_000n, 2_000n, false))]);
    // Merchant b: t3 2,000,000 (fee 30,000).
    await append("checkout-t3", [c(settled("b", 2_000_000n, 30_000n))]);
    // Payout a: 980,000 + 490,000 − 98,000.
    await append("merchant-a", [encoded(merchantCodec, payout("p1", 1_372_000n, 0n, ["t1", "t2"]))]);
    // After payout: 200,000 of t1 back (fee share 4,000) → receivable 196,000.
    await append("checkout-t1", [c(cancelled("a", "c2", 200_000n, 4_000n, true))]);
    // A buyer's repayment and a loan cancellation that found part already repaid.
    await append("creditline-u1", [
      encoded(creditLineCodec, {
        type: "RepaymentApplied",
        data: {
          repaymentId: "r1",
          receivedAt: tick(),
          amountMinor: 310_000n,
          bankReference: "UTR-r1",
          allocations: [
            {
              transactionId: "t1",
              installment: 1,
              principalMinor: 300_000n,
              interestMinor: 0n,
              feeMinor: 10_000n,
            },
          ],
        } satisfies Extract<CreditLineEvent, { type: "RepaymentApplied" }>["data"],
      }),
      encoded(creditLineCodec, {
        type: "LoanCancelled",
        data: {
          transactionId: "t1",
          cancellationId: "c2",
          principalMinor: 200_000n,
          interestMinor: 0n,
          feeMinor: 2_000n,
          refundDue: { principalMinor: 0n, interestMinor: 0n, feeMinor: 2_000n },
        },
      }),
    ]);
    // Merchant a settles t4; a payout run reads (t4 open, receivable 196,000); meanwhile 50,000 of t4 is
    // cancelled before the payout lands (fee share 1,000): the payout does not include it.
    await append("checkout-t4", [c(settled("a", 800_000n, 16_000n))]);
    await append("checkout-t4", [c(cancelled("a", "c3", 50_000n, 1_000n, false))]);
    await append("merchant-a", [encoded(merchantCodec, payout("p2", 784_000n, 196_000n, ["t4"]))]);

    sqlite = new SqliteReadStore({ path: join(dir, "read.db") });
    postgres = new PostgresReadStore({ connectionString: DATABASE_URL, schema });
    expect(await project(sqlite)).toBe(true);
    expect(await project(postgres)).toBe(true);
  });

  afterAll(async () => {
    await postgres?.dropSchema();
    await postgres?.close();
    await sqlite?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const everyTable = [
    ["journal_entries", "SELECT * FROM journal_entries ORDER BY entry_id"],
    ["journal_postings", "SELECT * FROM journal_postings ORDER BY entry_id, seq"],
    ["account_balances", "SELECT * FROM account_balances ORDER BY account, currency"],
    ["merchant_open_items", "SELECT * FROM merchant_open_items ORDER BY item_id"],
    ["merchant_netting", "SELECT * FROM merchant_netting ORDER BY merchant_id, currency"],
    ["merchant_payouts", "SELECT * FROM merchant_payouts ORDER BY payout_id"],
    ["bank_movements", "SELECT * FROM bank_movements ORDER BY movement_id"],
  ] as const;

  it.each(everyTable)("%s is the same on both read stores", async (_, query) => {
    const rows = await sqlite.query(query);
    expect(rows.length).toBeGreaterThan(0);
    expect(await postgres.query(query)).toEqual(rows);
  });

  // The whole log above is one batch (handleBatch, running totals added up across events); one event per
  // batch goes through handle alone. Both must write the same rows, running totals included.
  it("projected one event at a time, every table is the same as projected in one batch", async () => {
    const eventByEvent = new SqliteReadStore({ path: join(dir, "event-by-event.db") });
    try {
      expect(await projectJournal(store, eventByEvent, 1)).toBe(true);
      for (const [, query] of everyTable)
        expect(await eventByEvent.query(query)).toEqual(await sqlite.query(query));
    } finally {
      await eventByEvent.close();
    }
  });

  it.each([
    ["SQLite", () => sqlite],
    ["PostgreSQL", () => postgres],
  ] as const)(
    "on %s the books balance and each merchant's open items equal its journal balance",
    async (_, rs) => {
      const tb = await trialBalance(rs(), { kind: "current" });
      const debits = tb.accounts.reduce((s, a) => s + a.debitMinor, 0n);
      const credits = tb.accounts.reduce((s, a) => s + a.creditMinor, 0n);
      expect(debits).toBe(credits);
      const balance = (account: string) => {
        const a = tb.accounts.find((x) => x.account === account);
        return a ? a.debitMinor - a.creditMinor : 0n;
      };
      // a: everything paid and netted except the cancellation that landed during the second run.
      expect(balance("merchant-payable:a")).toBe(49_000n);
      expect(balance("merchant-receivable:a")).toBe(0n);
      expect(balance("merchant-payable:b")).toBe(-1_970_000n);
      expect(balance("cash:BCA-1")).toBe(-(1_372_000n + 588_000n));
      expect(balance("cash:operating")).toBe(310_000n);
      expect(balance("refund-payable:u1")).toBe(-2_000n);
      const open = openBalances(await openItems(rs()));
      expect(open.map((b) => [b.merchantId, b.payableMinor - b.receivableMinor, b.transactionIds])).toEqual([
        ["a", -49_000n, []],
        ["b", 1_970_000n, ["t3"]],
      ]);
      // As of the first payout's position, merchant a was owed nothing more and b its settlement.
      const [p1] = await rs().query("SELECT position FROM merchant_payouts WHERE payout_id = 'p1'");
      const asOf = await trialBalance(rs(), { kind: "position", position: BigInt(String(p1?.position)) });
      const at = (account: string) => asOf.accounts.find((x) => x.account === account);
      expect(at("merchant-payable:a")).toMatchObject({ debitMinor: 1_470_000n, creditMinor: 1_470_000n });
      expect(at("merchant-receivable:a")).toBeUndefined();
    },
  );

  it.each([
    ["SQLite", () => new SqliteReadStore({ path: join(dir, "unbalanced.db") })],
    ["PostgreSQL", () => new PostgresReadStore({ connectionString: DATABASE_URL, schema: `${schema}_bad` })],
  ] as const)(
    "on %s an entry that does not balance stops the projection and writes nothing of it",
    async (_, open) => {
      const badStore = new SqliteEventStore({ path: join(dir, `bad-${Date.now()}.db`) });
      await badStore.append("checkout-ok", [encoded(checkoutCodec, settled("a", 1_000n, 10n))], {
        expectedRevision: "any",
      });
      const bad = await badStore.append(
        "checkout-bad",
        [encoded(checkoutCodec, settled("a", 1_000n, 2_000n))],
        {
          expectedRevision: "any",
        },
      );
      const readStore = open();
      try {
        const runner = new ProjectionRunner({
          store: badStore,
          readStore,
          projections: [journalProjection],
          logger: silent,
        });
        await runner.start();
        expect(await runner.waitFor(bad.position, 5_000)).toBe(false);
        await runner.stop();
        const [state] = await readStore.projectionStates();
        expect(state).toMatchObject({ name: "journal", status: "failed" });
        expect(state?.error).toContain("is not positive");
        expect(BigInt(state?.position ?? "0")).toBeLessThan(BigInt(bad.position));
        const entries = await readStore.query("SELECT entry_id FROM journal_entries");
        expect(entries).toHaveLength(1);
      } finally {
        if (readStore instanceof PostgresReadStore) await readStore.dropSchema();
        await readStore.close();
        await badStore.close();
      }
    },
  );
});

// Payouts, journal accounts and trial balances are per currency: a merchant paid in VND and in INR from
// one bank account has two balances on each account, and nothing is ever summed across currencies.
describe("journal accounts and trial balances per currency, on SQLite and PostgreSQL", () => {
  let dir: string;
  let store: SqliteEventStore;
  let sqlite: SqliteReadStore;
  let postgres: PostgresReadStore;
  const schema = uniqueSchema("journal_cur");
  let inrPosition: bigint;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ledger-journal-cur-"));
    store = new SqliteEventStore({ path: join(dir, "ledger.db") });
    const append = async (streamId: string, event: EventToAppend) =>
      BigInt((await store.append(streamId, [event], { expectedRevision: "any" })).position);
    await append("checkout-t1", encoded(checkoutCodec, settled("a", 1_000_000n, 20_000n)));
    await append("merchant-a", encoded(merchantCodec, payout("p-vnd", 980_000n, 0n, ["t1"])));
    inrPosition = await append(
      "merchant-a",
      encoded(merchantCodec, payout("p-inr", 100_056n, 56n, ["i1"], "INR")),
    );
    sqlite = new SqliteReadStore({ path: join(dir, "read.db") });
    postgres = new PostgresReadStore({ connectionString: DATABASE_URL, schema });
    for (const readStore of [sqlite, postgres]) expect(await projectJournal(store, readStore)).toBe(true);
  });

  afterAll(async () => {
    await postgres?.dropSchema();
    await postgres?.close();
    await sqlite?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const each = [
    ["SQLite", () => sqlite],
    ["PostgreSQL", () => postgres],
  ] as const;

  it.each(each)("on %s each currency's trial balance is zero and accounts are kept apart", async (_, rs) => {
    const tb = await trialBalance(rs(), { kind: "current" });
    const lines = tb.accounts.map((a) => [a.account, a.currency, a.debitMinor - a.creditMinor]);
    expect(lines).toEqual([
      ["cash:BCA-1", "INR", -100_000n],
      ["cash:BCA-1", "VND", -980_000n],
      ["customer-receivable:u1", "VND", 1_000_000n],
      ["fee-income", "VND", -30_000n],
      ["fee-receivable:u1", "VND", 10_000n],
      ["merchant-payable:a", "INR", 100_056n],
      ["merchant-payable:a", "VND", 0n],
      ["merchant-receivable:a", "INR", -56n],
    ]);
    for (const currency of ["INR", "VND"]) {
      const sum = tb.accounts
        .filter((a) => a.currency === currency)
        .reduce((total, a) => total + a.debitMinor - a.creditMinor, 0n);
      expect(sum, currency).toBe(0n);
    }
    const before = await trialBalance(rs(), { kind: "position", position: inrPosition - 1n });
    expect(before.accounts.map((a) => a.currency)).not.toContain("INR");
  });

  it.each(each)("on %s an account's statement and a merchant's payouts are per currency", async (_, rs) => {
    expect(await accountCurrencies(rs(), "cash:BCA-1")).toEqual(["INR", "VND"]);
    const inr = await accountStatement(rs(), "cash:BCA-1", "INR", undefined, 10);
    expect(inr.map((l) => [l.kind, l.creditMinor, l.balanceMinor])).toEqual([
      ["PayoutMade", 100_000n, -100_000n],
    ]);
    const period = ["2000-01-01T00:00:00.000Z", "2100-01-01T00:00:00.000Z"] as const;
    const inrStatement = await settlementStatement(rs(), "a", "INR", ...period);
    expect(inrStatement.payouts.map((p) => [p.payoutId, p.currency, p.amountMinor])).toEqual([
      ["p-inr", "INR", 100_000n],
    ]);
    expect(inrStatement.settled.count).toBe(0);
    const vndStatement = await settlementStatement(rs(), "a", "VND", ...period);
    expect(vndStatement.payouts.map((p) => [p.payoutId, p.currency])).toEqual([["p-vnd", "VND"]]);
    expect(vndStatement.settled.count).toBe(1);
  });
});
