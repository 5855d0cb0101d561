import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Tenure } from "../../services/ledger/creditline/creditline.events.ts";
import {
  availableFor,
  type CreditLineState,
  outstandingMinor,
} from "../../services/ledger/creditline/creditline.state.ts";
import { testCaller as caller } from "../../services/ledger/testing/decider-spec.ts";
import { SqliteReadStore } from "../../services/platform/readstore/sqlite-read-store.ts";
import { ProjectionRunner } from "../../services/projector/projection-runner.ts";
import { replay } from "../../services/projector/replay.ts";
import { projections } from "../../services/runtime/projections.ts";
import { type CheckoutHarness, startCheckoutHarness } from "../checkout/harness.ts";
import { approveAs, type Buyer } from "../support/buyers.ts";
import {
  cancelRequest,
  nextOrder,
  pushSignature,
  SANDBOX_SERVER_KEY,
  sampleInit,
  singleItem,
} from "../support/checkout-requests.ts";
import { quietHead } from "../support/events.ts";
import { bearer } from "../support/http.ts";
import { registerKnownMerchant } from "../support/merchants.ts";
import { BusinessClock, registerBuyer } from "../support/money-flows.ts";

// Property: random sequences of commands over several buyers and merchants, driven through the composed
// runtime (HTTP for the merchant's and the operator's calls, the checkout service for the buyer's
// hosted-page steps): init, approve, deny (amount above the buyer's available credit), settle (checkout/update
// with the push's signature), fail (merchant update failed), timeout (business clock past
// CONFIRM_TIMEOUT_SECONDS and a timer sweep), abort, partial/full cancel, payout run, repayment.
// After EVERY step, once the log is quiet and every projection has reached its head:
//   - every journal entry balances per currency; the trial balance is zero per currency (postings, account
//     balances and /v1/finance/trial-balance);
//   - no buyer's available credit is below zero (decider state and credit_lines view, in total and per
//     tenure), the view agrees with the decider on held and used, and each checkout's hold is in the state
//     its phase implies (held while pending, captured once settled, released after fail/expire/abort);
//   - every transaction's status only moves forward (phase and trx_status along the allowed graph,
//     cancelled amount never shrinks, a payout once recorded never changes).
// At the end of each run the log is replayed from zero into two fresh SQLite read stores (other files: one
// by a new ProjectionRunner over the same event store, one by `ledger replay`'s replay(), whose journal
// holds running totals in memory) and every table of every projection must be identical, row by row. Runs: PROPERTY_RUNS (default 16); a failure prints fast-check's seed and path (replay with
// PROPERTY_SEED and PROPERTY_PATH).

const CONFIRM_TIMEOUT_SECONDS = 600;
const OPERATOR = "property-operator-key-000001";
const FINANCE = "property-finance-key-0000001";
const RUNS = Number(process.env.PROPERTY_RUNS ?? 16);

// --------------------------------------------------------------------------------------------- commands

type Cmd =
  | { k: "init"; m: number; amount: number; tenure: Tenure }
  | { k: "approve"; b: number; pick: number }
  | { k: "deny"; b: number; m: number; extra: number }
  | { k: "settle"; pick: number }
  | { k: "fail"; pick: number }
  | { k: "timeout" }
  | { k: "abort"; pick: number }
  | { k: "cancel"; pick: number; quarters: number }
  | { k: "payout" }
  | { k: "repay"; b: number; quarters: number };

const BUYERS = 3;
const MERCHANTS = 3;
const pick = fc.nat({ max: 1000 });
const buyer = fc.nat({ max: BUYERS - 1 });
const merchant = fc.nat({ max: MERCHANTS - 1 });
/** 0 = all of it, 1..3 = that many quarters. */
const quarters = fc.nat({ max: 3 });

const command: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant("init" as const),
      m: merchant,
      amount: fc.integer({ min: 700, max: 3_000 }).map((x) => x * 1_000),
      tenure: fc.constantFrom<Tenure>(1, 3),
    }),
  },
  { weight: 4, arbitrary: fc.record({ k: fc.constant("approve" as const), b: buyer, pick }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("deny" as const),
      b: buyer,
      m: merchant,
      extra: fc.integer({ min: 1, max: 500_000 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("settle" as const), pick }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("fail" as const), pick }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("timeout" as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("abort" as const), pick }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("cancel" as const), pick, quarters }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("payout" as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("repay" as const), b: buyer, quarters }) },
);

// ------------------------------------------------------------------------------------- status ordering

/** The checkout's phases and where each may go next (DESIGN.md lifecycle; Cancelled keeps `settled` until full). */
const PHASE_NEXT: Record<string, readonly string[]> = {
  initiated: ["signed_in", "expired", "aborted"],
  signed_in: ["otp_verified", "expired", "aborted"],
  otp_verified: ["pending", "denied", "expired", "aborted"],
  pending: ["settled", "failed"],
  settled: ["cancelled"],
  denied: [],
  failed: [],
  expired: [],
  aborted: [],
  cancelled: [],
};
const TRX_STATUS_NEXT: Record<string, readonly string[]> = {
  pending: ["settlement", "denied", "failed", "expired", "Aborted by User"],
  settlement: ["cancel"],
  denied: [],
  failed: [],
  expired: [],
  "Aborted by User": [],
  cancel: [],
};

/** Everything reachable from `from` in zero or more steps. */
function reachable(graph: Record<string, readonly string[]>, from: string): Set<string> {
  const seen = new Set([from]);
  const todo = [from];
  while (todo.length > 0) {
    for (const next of graph[todo.pop()!] ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        todo.push(next);
      }
    }
  }
  return seen;
}

// ------------------------------------------------------------------------------------------------ world

interface MerchantRef {
  readonly merchantId: string;
  readonly serverKey: string;
}

interface Tx {
  readonly transactionId: string;
  readonly orderId: string;
  readonly merchant: MerchantRef;
  readonly amount: number;
  readonly tenure: Tenure;
}

interface StatusRow {
  readonly phase: string;
  readonly trxStatus: string;
  readonly cancelledMinor: bigint;
  readonly amountMinor: bigint;
  readonly payoutId: string | null;
  readonly userId: string | null;
}

interface World {
  readonly h: CheckoutHarness;
  readonly clock: BusinessClock;
  readonly buyers: readonly Buyer[];
  readonly merchants: readonly MerchantRef[];
  readonly txs: Tx[];
  /** The status view as last seen, per transaction. */
  readonly seen: Map<string, StatusRow>;
}

const LIMITS: readonly { total: bigint; perTenure: Partial<Record<Tenure, bigint>> }[] = [
  { total: 3_000_000n, perTenure: { 1: 3_000_000n, 3: 3_000_000n } },
  { total: 5_000_000n, perTenure: { 1: 5_000_000n, 3: 2_000_000n } },
  { total: 8_000_000n, perTenure: { 1: 4_000_000n, 3: 8_000_000n, 6: 8_000_000n } },
];

async function startWorld(): Promise<World> {
  const clock = new BusinessClock();
  const h = await startCheckoutHarness({
    now: clock.now,
    env: {
      CONFIRM_TIMEOUT_SECONDS: String(CONFIRM_TIMEOUT_SECONDS),
      API_KEYS: `${OPERATOR}:operator,${FINANCE}:finance`,
    },
  });
  const buyers: Buyer[] = [];
  for (const limit of LIMITS) buyers.push(await registerBuyer(h, limit.total, limit.perTenure));
  const merchants: MerchantRef[] = [{ merchantId: "sandbox-merchant", serverKey: SANDBOX_SERVER_KEY }];
  for (let i = 1; i < MERCHANTS; i++) {
    const m = {
      merchantId: `prop-merchant-${i}`,
      serverKey: `prop-merchant-${i}-server-key-${randomUUID()}`,
    };
    await registerKnownMerchant(h, m.merchantId, m.serverKey);
    merchants.push(m);
  }
  return { h, clock, buyers, merchants, txs: [], seen: new Map() };
}

/** The log once nothing has been appended for two polls (reactors and the timer sweep append on their own),
 * with every projection at its head. */
async function settle(w: World): Promise<string> {
  const head = await quietHead(w.h.store, 100, 10_000);
  expect(await w.h.checkout.waitForProjections(head), `projections reach ${head}`).toBe(true);
  return head;
}

const big = (v: unknown) => BigInt(String(v));

async function statusView(w: World): Promise<Map<string, StatusRow>> {
  const rows = await w.h.readStore.query(
    `SELECT transaction_id, phase, trx_status, cancelled_minor, amount_minor, payout_id, user_id
       FROM checkout_transactions`,
  );
  return new Map(
    rows.map((r) => [
      String(r.transaction_id),
      {
        phase: String(r.phase),
        trxStatus: String(r.trx_status),
        cancelledMinor: big(r.cancelled_minor),
        amountMinor: big(r.amount_minor),
        payoutId: r.payout_id === null ? null : String(r.payout_id),
        userId: r.user_id === null ? null : String(r.user_id),
      },
    ]),
  );
}

const inPhase = (w: World, ...phases: string[]) =>
  w.txs.filter((t) => phases.includes(w.seen.get(t.transactionId)?.phase ?? ""));
const choose = <T>(list: readonly T[], index: number): T | undefined =>
  list.length === 0 ? undefined : list[index % list.length];

const creditLine = async (w: World, b: Buyer): Promise<CreditLineState> =>
  (await w.h.checkout.creditLines.load(`creditline-${b.userId}`)).state;

async function init(w: World, m: MerchantRef, amount: number, tenure: Tenure): Promise<Tx> {
  const orderId = nextOrder("PROP");
  const res = await w.h.post(
    "/checkout/init",
    sampleInit(orderId, { ...singleItem(amount), tenure, server_key: m.serverKey }),
  );
  const json = res.json() as { status: number; transaction_id?: string };
  expect(json.status, res.body).toBe(1);
  const tx = { transactionId: String(json.transaction_id), orderId, merchant: m, amount, tenure };
  w.txs.push(tx);
  return tx;
}

async function update(w: World, tx: Tx, status: "settled" | "failed") {
  const signature = pushSignature({ ...tx, amountMinor: BigInt(tx.amount) }, tx.merchant.serverKey);
  const res = await w.h.post("/checkout/update", {
    signature_key: signature,
    transaction_id: tx.transactionId,
    status,
  });
  return res.json() as { status: unknown };
}

async function v1(w: World, url: string, body: unknown) {
  const res = await w.h.app.inject({
    method: "POST",
    url,
    payload: JSON.stringify(body),
    headers: {
      "content-type": "application/json",
      ...bearer(OPERATOR),
      "idempotency-key": randomUUID(),
    },
  });
  return { statusCode: res.statusCode, body: res.body };
}

const portion = (whole: bigint, q: number): bigint => {
  if (q === 0) return whole;
  const part = (whole * BigInt(q)) / 4n;
  return part > 0n ? part : 1n;
};

// A command whose target does not exist yet first makes one (so few steps are wasted): a checkout inited for
// a merchant, approved by a buyer, settled; these helpers answer undefined when the buyer's credit refuses.

const smallAmount = (n: number) => 700_000 + (n % 20) * 50_000;

async function ensureInitiated(w: World, n: number): Promise<Tx> {
  return (
    choose(inPhase(w, "initiated"), n) ??
    (await init(w, w.merchants[n % MERCHANTS]!, smallAmount(n), n % 2 === 0 ? 1 : 3))
  );
}

/** Approves `tx` as `b` and checks the outcome against the decider's available credit just before. */
async function approve(w: World, tx: Tx, b: Buyer): Promise<"pending" | "denied"> {
  const line = await creditLine(w, b);
  const expected = BigInt(tx.amount) <= availableFor(line, tx.tenure) ? "pending" : "denied";
  expect(await approveAs(w.h, tx.transactionId, b, tx.tenure), `approve ${tx.transactionId}`).toBe(expected);
  await settle(w);
  w.seen.set(tx.transactionId, (await statusView(w)).get(tx.transactionId)!);
  return expected;
}

async function ensurePending(w: World, n: number, b = w.buyers[n % BUYERS]!): Promise<Tx | undefined> {
  const found = choose(
    inPhase(w, "pending").filter((t) => w.seen.get(t.transactionId)?.userId === b.userId),
    n,
  );
  if (found) return found;
  const tx = await init(w, w.merchants[n % MERCHANTS]!, smallAmount(n), 1);
  return (await approve(w, tx, b)) === "pending" ? tx : undefined;
}

async function settleTx(w: World, tx: Tx): Promise<void> {
  const reply = await update(w, tx, "settled");
  expect(reply.status, JSON.stringify(reply)).toBe("settlement");
  await settle(w);
  w.seen.set(tx.transactionId, (await statusView(w)).get(tx.transactionId)!);
}

/** Runs one command; expectations on its immediate outcome. */
async function run(w: World, cmd: Cmd): Promise<string> {
  const { h } = w;
  switch (cmd.k) {
    case "init": {
      const tx = await init(w, w.merchants[cmd.m]!, cmd.amount, cmd.tenure);
      return `init ${tx.transactionId} ${cmd.amount} t${cmd.tenure}`;
    }
    case "approve": {
      const tx = await ensureInitiated(w, cmd.pick);
      const b = w.buyers[cmd.b]!;
      const outcome = await approve(w, tx, b);
      return `approve ${tx.transactionId} (${tx.amount} t${tx.tenure}) by ${b.userId} → ${outcome}`;
    }
    case "deny": {
      const b = w.buyers[cmd.b]!;
      const available = availableFor(await creditLine(w, b), 1);
      const amount = Number(available) + cmd.extra;
      const tx = await init(w, w.merchants[cmd.m]!, amount, 1);
      expect(await approveAs(h, tx.transactionId, b, 1), `deny ${tx.transactionId}`).toBe("denied");
      return `deny ${tx.transactionId} ${amount} > ${available}`;
    }
    case "settle": {
      const tx = choose(inPhase(w, "pending"), cmd.pick) ?? (await ensurePending(w, cmd.pick));
      if (!tx) return "settle: no credit for a new checkout";
      await settleTx(w, tx);
      return `settle ${tx.transactionId}`;
    }
    case "fail": {
      const tx = choose(inPhase(w, "pending"), cmd.pick) ?? (await ensurePending(w, cmd.pick));
      if (!tx) return "fail: no credit for a new checkout";
      const reply = await update(w, tx, "failed");
      expect(reply.status, JSON.stringify(reply)).toBe("failed");
      return `fail ${tx.transactionId}`;
    }
    case "timeout": {
      const pending = inPhase(w, "pending");
      w.clock.offsetMs += (CONFIRM_TIMEOUT_SECONDS + 1) * 1000;
      await h.checkout.sweepTimers(caller);
      await settle(w);
      const view = await statusView(w);
      for (const tx of pending) expect(view.get(tx.transactionId)?.phase, tx.transactionId).toBe("failed");
      return `timeout (${pending.length} pending failed)`;
    }
    case "abort": {
      const tx =
        choose(inPhase(w, "initiated", "signed_in", "otp_verified"), cmd.pick) ??
        (await ensureInitiated(w, cmd.pick));
      await h.checkout.abort(tx.transactionId, caller);
      return `abort ${tx.transactionId}`;
    }
    case "cancel": {
      let tx = choose(inPhase(w, "settled"), cmd.pick);
      if (!tx) {
        tx = await ensurePending(w, cmd.pick);
        if (!tx) return "cancel: no credit for a new checkout";
        await settleTx(w, tx);
      }
      const row = w.seen.get(tx.transactionId)!;
      const amount = portion(row.amountMinor - row.cancelledMinor, cmd.quarters);
      const res = await h.post(
        "/transaction/cancel",
        cancelRequest(tx, { server_key: tx.merchant.serverKey, amount: Number(amount) }),
      );
      expect(res.json(), res.body).toEqual({ status: 1, message: "API cancel received" });
      return `cancel ${tx.transactionId} ${amount} of ${row.amountMinor - row.cancelledMinor}`;
    }
    case "payout": {
      const res = await v1(w, "/v1/payouts/run", {});
      expect([200, 201], res.body).toContain(res.statusCode);
      const n = (JSON.parse(res.body) as { payouts: unknown[] }).payouts.length;
      return `payout → ${n} payouts`;
    }
    case "repay": {
      const b = w.buyers[cmd.b]!;
      let outstanding = outstandingMinor(await creditLine(w, b));
      if (outstanding === 0n) {
        const tx = await ensurePending(w, cmd.quarters + cmd.b, b);
        if (!tx) return `repay: ${b.userId} has no credit for a loan`;
        await settleTx(w, tx);
        outstanding = outstandingMinor(await creditLine(w, b));
      }
      const amount = portion(outstanding, cmd.quarters);
      const res = await v1(w, "/v1/repayments", {
        userId: b.userId,
        amount: String(amount),
        bankReference: `UTR-${randomUUID()}`,
        receivedAt: w.clock.now().toISOString(),
      });
      expect(res.statusCode, res.body).toBe(201);
      return `repay ${b.userId} ${amount} of ${outstanding}`;
    }
  }
}

// ------------------------------------------------------------------------------------------- invariants

async function checkInvariants(w: World, step: string): Promise<void> {
  const { h } = w;
  await settle(w);

  // Every journal entry balances per currency, and has postings.
  const unbalanced = await h.readStore.query(
    `SELECT entry_id, currency, SUM(debit_minor) AS d, SUM(credit_minor) AS c FROM journal_postings
      GROUP BY entry_id, currency HAVING SUM(debit_minor) <> SUM(credit_minor)`,
  );
  expect(unbalanced, `${step}: unbalanced entries`).toEqual([]);
  const bare = await h.readStore.query(
    `SELECT e.entry_id FROM journal_entries e LEFT JOIN journal_postings p ON p.entry_id = e.entry_id
      GROUP BY e.entry_id HAVING COUNT(p.entry_id) < 2`,
  );
  expect(bare, `${step}: entries with fewer than two postings`).toEqual([]);

  // The trial balance is zero per currency: postings, account balances and the finance API.
  const byCurrency = await h.readStore.query(
    `SELECT currency, SUM(debit_minor) AS d, SUM(credit_minor) AS c FROM journal_postings GROUP BY currency`,
  );
  for (const r of byCurrency) expect(big(r.d), `${step}: postings ${r.currency}`).toBe(big(r.c));
  const balances = await h.readStore.query(
    `SELECT currency, SUM(debit_minor) AS d, SUM(credit_minor) AS c FROM account_balances GROUP BY currency`,
  );
  for (const r of balances) expect(big(r.d), `${step}: account_balances ${r.currency}`).toBe(big(r.c));
  const tb = await h.app.inject({
    method: "GET",
    url: "/v1/finance/trial-balance",
    headers: bearer(FINANCE),
  });
  expect(tb.statusCode, tb.body).toBe(200);
  for (const total of (
    tb.json() as { totals: { currency: string; debit: string; credit: string; balance: string }[] }
  ).totals) {
    expect(total, `${step}: trial balance ${total.currency}`).toMatchObject({
      credit: total.debit,
      balance: "0",
    });
  }

  // Status only moves forward.
  const view = await statusView(w);
  for (const tx of w.txs)
    expect(view.has(tx.transactionId), `${step}: ${tx.transactionId} in the view`).toBe(true);
  for (const [id, before] of w.seen) {
    const now = view.get(id);
    expect(now, `${step}: ${id} vanished from the status view`).toBeDefined();
    const where = `${step}: ${id}`;
    expect(
      reachable(PHASE_NEXT, before.phase).has(now!.phase),
      `${where} phase ${before.phase} → ${now!.phase}`,
    ).toBe(true);
    expect(
      reachable(TRX_STATUS_NEXT, before.trxStatus).has(now!.trxStatus),
      `${where} trx_status ${before.trxStatus} → ${now!.trxStatus}`,
    ).toBe(true);
    expect(now!.cancelledMinor >= before.cancelledMinor, `${where} cancelled shrank`).toBe(true);
    expect(now!.cancelledMinor <= now!.amountMinor, `${where} cancelled above amount`).toBe(true);
    if (before.payoutId !== null) expect(now!.payoutId, `${where} payout changed`).toBe(before.payoutId);
  }
  for (const [id, row] of view) {
    expect(PHASE_NEXT[row.phase], `${step}: ${id} unknown phase ${row.phase}`).toBeDefined();
    expect(
      TRX_STATUS_NEXT[row.trxStatus],
      `${step}: ${id} unknown trx_status ${row.trxStatus}`,
    ).toBeDefined();
    w.seen.set(id, row);
  }

  // Credit lines: available never below zero (decider and view), view = decider, holds match phases.
  for (const b of w.buyers) {
    const line = await creditLine(w, b);
    const where = `${step}: ${b.userId}`;
    expect(line.totalMinor - line.heldMinor - line.usedMinor >= 0n, `${where} line overdrawn`).toBe(true);
    let heldSum = 0n;
    for (const hold of line.holds.values()) if (hold.state === "held") heldSum += hold.amountMinor;
    expect(line.heldMinor, `${where} held = Σ open holds`).toBe(heldSum);
    for (const [tenure, cap] of line.perTenureMinor) {
      let onTenure = 0n;
      for (const hold of line.holds.values())
        if (hold.tenure === tenure && hold.state === "held") onTenure += hold.amountMinor;
      for (const loan of line.loans.values())
        if (loan.tenure === tenure) for (const i of loan.installments) onTenure += i.principalMinor;
      expect(cap - onTenure >= 0n, `${where} tenure ${tenure} overdrawn`).toBe(true);
    }
    const [row] = await h.readStore.query(
      "SELECT total_minor, held_minor, used_minor FROM credit_lines WHERE user_id = ?",
      [b.userId],
    );
    expect(
      { total: big(row?.total_minor), held: big(row?.held_minor), used: big(row?.used_minor) },
      `${where} view`,
    ).toEqual({ total: line.totalMinor, held: line.heldMinor, used: line.usedMinor });
    expect(big(row?.total_minor) - big(row?.held_minor) - big(row?.used_minor) >= 0n, `${where} view`).toBe(
      true,
    );
    for (const t of await h.readStore.query(
      "SELECT tenure, limit_minor, held_minor, used_minor FROM credit_line_tenures WHERE user_id = ?",
      [b.userId],
    )) {
      expect(
        big(t.limit_minor) - big(t.held_minor) - big(t.used_minor) >= 0n,
        `${where} view tenure ${t.tenure} overdrawn`,
      ).toBe(true);
    }
    // Each of this buyer's checkouts: the hold is in the state its phase implies.
    for (const [id, s] of view) {
      if (s.userId !== b.userId) continue;
      const hold = line.holds.get(id)?.state;
      const expected: Record<string, (string | undefined)[]> = {
        signed_in: [undefined],
        otp_verified: [undefined],
        pending: ["held"],
        settled: ["captured"],
        cancelled: ["captured"],
        denied: [undefined],
        failed: ["released"],
        expired: [undefined],
        aborted: [undefined],
      };
      expect(expected[s.phase], `${where} ${id} phase ${s.phase}`).toContain(hold);
    }
  }
}

// ---------------------------------------------------------------------------------------------- replay

const silent = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

/** Every projection's tables, every row, in a stable order. */
async function dump(query: (sql: string) => Promise<Record<string, unknown>[]>) {
  const out: Record<string, string[]> = {};
  for (const p of projections) {
    for (const table of Object.keys(p.tables)) {
      const rows = await query(`SELECT * FROM ${table}`);
      out[table] = rows.map((r) => JSON.stringify(r, (_, v) => (typeof v === "bigint" ? `${v}n` : v))).sort();
    }
  }
  return out;
}

async function replayMatches(w: World): Promise<void> {
  const head = await settle(w);
  const dir = mkdtempSync(join(tmpdir(), "ledger-replay-"));
  const fresh = new SqliteReadStore({ path: join(dir, "replay.db") });
  const rebuilt = new SqliteReadStore({ path: join(dir, "rebuilt.db"), bulkLoad: true });
  const runner = new ProjectionRunner({ store: w.h.store, readStore: fresh, projections, logger: silent });
  try {
    await runner.start();
    expect(await runner.waitFor(head, 30_000), "replay reaches the head").toBe(true);
    await runner.stop();
    await replay({ store: w.h.store, into: rebuilt, projections });
    const live = await dump((sql) => w.h.readStore.query(sql));
    for (const [how, store] of [
      ["runner", fresh],
      ["ledger replay", rebuilt],
    ] as const) {
      const replayed = await dump((sql) => store.query(sql));
      expect(Object.keys(replayed).sort()).toEqual(Object.keys(live).sort());
      for (const table of Object.keys(live))
        expect(replayed[table], `${how}: table ${table}`).toEqual(live[table]);
    }
    expect(live.journal_postings!.length + live.checkout_transactions!.length).toBeGreaterThan(0);
  } finally {
    await runner.stop().catch(() => {});
    await fresh.close();
    await rebuilt.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------------ test

describe("money core property: random command sequences keep the books and the credit lines right", () => {
  it(`${RUNS} runs of up to 25 commands`, async () => {
    const tally = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 10, maxLength: 25 }), async (cmds) => {
        const w = await startWorld();
        const trace: string[] = [];
        try {
          await checkInvariants(w, "start");
          for (const [i, cmd] of cmds.entries()) {
            const done = await run(w, cmd);
            trace.push(done);
            const key = done.includes(":") ? `${cmd.k} (nothing to do)` : cmd.k;
            tally.set(key, (tally.get(key) ?? 0) + 1);
            await checkInvariants(w, `step ${i + 1} (${done})`);
          }
          await replayMatches(w);
        } catch (error) {
          console.error(`trace:\n  ${trace.join("\n  ")}`);
          throw error;
        } finally {
          await w.h.close();
        }
      }),
      {
        numRuns: RUNS,
        ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED) } : {}),
        ...(process.env.PROPERTY_PATH ? { path: process.env.PROPERTY_PATH } : {}),
      },
    );
    console.info(`commands executed: ${JSON.stringify(Object.fromEntries([...tally].sort()))}`);
  }, 300_000);
});
