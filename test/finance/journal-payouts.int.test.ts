import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PayoutConflict, payoutService } from "../../services/finance/payouts/payout-run.ts";
import { openItems } from "../../services/finance/queries.ts";
import { checkoutStream } from "../../services/ledger/checkout/checkout.decider.ts";
import { kredivoMeta } from "../support/merchants.ts";
import {
  BOTH_KEY,
  FINANCE_KEY,
  type FinanceHarness,
  M2,
  OPERATOR_KEY,
  payoutApp,
  SANDBOX,
  startTwoMerchants,
  withQuery,
} from "./harness.ts";

// The journal, payouts and the finance API through HTTP on the composed embedded runtime. One story, in
// order: two checkouts settle (two merchants), the trial balance shows the exact accounts; a payout run
// pays each merchant once and the checkouts become Paid; the books stay balanced through cancellations
// before and after payout, a repayment and a second run; the journal rebuilt from the log is identical.

let h: FinanceHarness;

beforeAll(async () => {
  h = await startTwoMerchants();
});
afterAll(async () => {
  await h?.close();
});

interface Line {
  account: string;
  currency: string;
  debit: string;
  credit: string;
  balance: string;
}

async function trialBalance(
  query = "",
): Promise<{ asOf: Record<string, string>; accounts: Line[]; totals: Line[] }> {
  const res = await h.get(`/v1/finance/trial-balance${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const balances = (lines: Line[]) => Object.fromEntries(lines.map((l) => [l.account, l.balance]));

const runPayouts = (key: string, body: unknown = {}, apiKey = OPERATOR_KEY) =>
  h.post("/v1/payouts/run", body, { authorization: `Bearer ${apiKey}`, "idempotency-key": key });

async function expectBooksBalance(): Promise<void> {
  const tb = await trialBalance();
  expect(tb.totals).toEqual([
    { currency: "VND", debit: tb.totals[0]?.debit, credit: tb.totals[0]?.debit, balance: "0" },
  ]);
  // Each merchant's open items equal its payable less its receivable in the journal.
  const open = new Map<string, bigint>();
  for (const item of await openItems(h.service.readStore)) {
    open.set(item.merchantId, (open.get(item.merchantId) ?? 0n) + item.payableMinor - item.receivableMinor);
  }
  for (const merchantId of [SANDBOX.merchantId, M2.merchantId]) {
    const b = balances(tb.accounts);
    const journal =
      -BigInt(b[`merchant-payable:${merchantId}`] ?? "0") -
      BigInt(b[`merchant-receivable:${merchantId}`] ?? "0");
    expect(open.get(merchantId) ?? 0n).toBe(journal);
  }
}

describe("journal, payouts and the finance API", () => {
  let txA: string;
  let txB: string;
  let beforePayout: Awaited<ReturnType<typeof trialBalance>>;
  let headBeforePayout: string;
  let firstRun: { statusCode: number; body: string };

  it("two settled checkouts: the trial balance sums to zero and shows the exact accounts", async () => {
    txA = await h.settle(SANDBOX, 1); // 6,505,000, fee 1.5 %, no interest, processing fee 1 %
    txB = await h.settle(M2, 3); // 6,505,000, fee 2 %, 3 × 2.95 % interest, processing fee 1 %
    headBeforePayout = await h.settled();
    const tb = await trialBalance();
    expect(tb.accounts).toEqual([
      {
        account: "customer-receivable:sandbox-buyer",
        currency: "VND",
        debit: "13010000",
        credit: "0",
        balance: "13010000",
      },
      { account: "fee-income", currency: "VND", debit: "0", credit: "357775", balance: "-357775" },
      {
        account: "fee-receivable:sandbox-buyer",
        currency: "VND",
        debit: "130100",
        credit: "0",
        balance: "130100",
      },
      { account: "interest-income", currency: "VND", debit: "0", credit: "575693", balance: "-575693" },
      {
        account: "interest-receivable:sandbox-buyer",
        currency: "VND",
        debit: "575693",
        credit: "0",
        balance: "575693",
      },
      { account: "merchant-payable:m2", currency: "VND", debit: "0", credit: "6374900", balance: "-6374900" },
      {
        account: "merchant-payable:sandbox-merchant",
        currency: "VND",
        debit: "0",
        credit: "6407425",
        balance: "-6407425",
      },
    ]);
    expect(tb.totals).toEqual([{ currency: "VND", debit: "13715793", credit: "13715793", balance: "0" }]);
    // The journal's saved checkpoint may trail the head by events it ignores (saved within a second).
    expect(tb.asOf.basis).toBe("current");
    expect(BigInt(String(tb.asOf.journalPosition))).toBeLessThanOrEqual(BigInt(headBeforePayout));
    beforePayout = tb;
  });

  it("refuses a payout run without the operator role, and without an Idempotency-Key", async () => {
    const anonymous = await h.post("/v1/payouts/run", {}, { "idempotency-key": "k-x" });
    expect(anonymous.statusCode).toBe(401);
    const financeOnly = await runPayouts("k-x", {}, FINANCE_KEY);
    expect(financeOnly.statusCode).toBe(403);
    expect(financeOnly.json()).toMatchObject({ code: "role_required" });
    const noKey = await h.post("/v1/payouts/run", {}, { authorization: `Bearer ${OPERATOR_KEY}` });
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json()).toMatchObject({ code: "idempotency_key_required", param: "Idempotency-Key" });
    const badBody = await runPayouts("k-y", { bankAccount: "no spaces allowed" });
    expect(badBody.statusCode).toBe(400);
    expect(badBody.json()).toMatchObject({ code: "invalid_parameter", param: "bankAccount" });
    expect(await h.service.store.headPosition()).toBe(headBeforePayout);
  });

  it("a payout run pays each merchant once: cash credited, merchant payable zero, checkouts Paid", async () => {
    const res = await runPayouts("run-1");
    expect(res.statusCode, res.body).toBe(201);
    firstRun = res;
    const { payouts } = res.json() as { payouts: Record<string, unknown>[] };
    expect(payouts).toHaveLength(2);
    const byMerchant = Object.fromEntries(payouts.map((p) => [p.merchantId, p]));
    expect(byMerchant["sandbox-merchant"]).toMatchObject({
      amount: "6407425",
      payable: "6407425",
      receivable: "0",
      currency: "VND",
      transactionIds: [txA],
      bankAccount: "operating",
    });
    expect(byMerchant.m2).toMatchObject({ amount: "6374900", transactionIds: [txB] });
    for (const p of payouts) {
      expect(p.bankReference).toMatch(/^LDGR\d{8}\d{10}$/);
      expect(p.payoutId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    }
    // The reply waited for the journal: the trial balance already shows the payouts.
    const b = balances((await trialBalance()).accounts);
    expect(b["merchant-payable:sandbox-merchant"]).toBe("0");
    expect(b["merchant-payable:m2"]).toBe("0");
    expect(b["cash:operating"]).toBe("-12782325");
    await h.settled();
    for (const [tx, p] of [
      [txA, byMerchant["sandbox-merchant"]],
      [txB, byMerchant.m2],
    ] as const) {
      const paid = (await h.events(checkoutStream(tx))).filter((e) => e.type === "Paid");
      expect(paid).toEqual([
        { type: "Paid", data: { payoutId: p?.payoutId, paidAt: p?.paidAt, bankReference: p?.bankReference } },
      ]);
    }
    await expectBooksBalance();
  });

  it("a second run with a new key finds nothing to pay; the same key replays the first answer", async () => {
    const head = await h.settled();
    const again = await runPayouts("run-2");
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ payouts: [] });
    const replay = await runPayouts("run-1");
    expect(replay.statusCode).toBe(201);
    expect(replay.body).toBe(firstRun.body);
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    const reused = await runPayouts("run-1", { bankAccount: "other" });
    expect(reused.statusCode).toBe(422);
    expect(await h.service.store.headPosition()).toBe(head);
  });

  it("the trial balance as of the position before the payout equals the balance before it", async () => {
    const asOf = await trialBalance(`?asOfPosition=${headBeforePayout}`);
    expect(asOf.accounts).toEqual(beforePayout.accounts);
    expect(asOf.totals).toEqual(beforePayout.totals);
    expect(asOf.asOf).toMatchObject({ basis: "log position", position: headBeforePayout });
    const atStart = await trialBalance("?asOfPosition=0");
    expect(atStart.accounts).toEqual([]);
    expect(atStart.totals).toEqual([]);
    // By effective time: now includes everything, the distant past nothing.
    const byTime = await trialBalance(`?asOfTime=${encodeURIComponent(new Date().toISOString())}`);
    expect(byTime.accounts).toEqual((await trialBalance()).accounts);
    expect(byTime.asOf.basis).toBe("effective time");
    expect((await trialBalance("?asOfTime=2000-01-01T00:00:00Z")).accounts).toEqual([]);
  });

  it("cancellations after and before payout, a repayment, then a second payout nets the receivable", async () => {
    const checkouts = h.service.checkout!.checkouts;
    // After payout: the merchant owes back 1,000,000 less its fee share (15,000).
    await checkouts.handle(
      checkoutStream(txA),
      {
        type: "Cancel",
        cancellationId: "c-after",
        amountMinor: 1_000_000n,
        reason: "returned",
        cancelledBy: "merchant",
      },
      kredivoMeta(),
    );
    const txC = await h.settle(SANDBOX, 1);
    // Before payout: 505,000 of C comes off the payable (fee share 7,575).
    await checkouts.handle(
      checkoutStream(txC),
      {
        type: "Cancel",
        cancellationId: "c-before",
        amountMinor: 505_000n,
        reason: "partial",
        cancelledBy: "merchant",
      },
      kredivoMeta(),
    );
    await h.settled(); // the credit line takes both cancellations back before the repayment arrives
    await h.service.checkout!.creditLines.handle(
      "creditline-sandbox-buyer",
      {
        type: "Repay",
        repaymentId: "r-1",
        amountMinor: 2_000_000n,
        bankReference: "UTR-R1",
        receivedAt: new Date().toISOString(),
      },
      kredivoMeta(),
    );
    await h.settled();
    let b = balances((await trialBalance()).accounts);
    expect(b["merchant-receivable:sandbox-merchant"]).toBe("985000");
    expect(b["merchant-payable:sandbox-merchant"]).toBe("-5910000"); // 6,407,425 − 497,425 = 5,910,000
    expect(b["cash:operating"]).toBe("-10782325"); // −12,782,325 + 2,000,000
    await expectBooksBalance();

    const res = await runPayouts("run-3", { bankReferences: { "sandbox-merchant": "UTR2026000000001" } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().payouts).toEqual([
      expect.objectContaining({
        merchantId: "sandbox-merchant",
        payable: "5910000",
        receivable: "985000",
        amount: "4925000",
        transactionIds: [txC],
        bankReference: "UTR2026000000001",
      }),
    ]);
    await h.settled();
    b = balances((await trialBalance()).accounts);
    expect(b["merchant-receivable:sandbox-merchant"]).toBe("0");
    expect(b["merchant-payable:sandbox-merchant"]).toBe("0");
    expect(b["cash:operating"]).toBe("-15707325");
    expect(await openItems(h.service.readStore)).toEqual([]);
    await expectBooksBalance();
  });

  it("an account statement pages the postings with the running balance", async () => {
    const first = await h.get("/v1/finance/accounts/merchant-payable:sandbox-merchant/statement?limit=2");
    expect(first.statusCode, first.body).toBe(200);
    const page1 = first.json();
    expect(page1.entries.map((e: Record<string, string>) => [e.kind, e.debit, e.credit, e.balance])).toEqual([
      ["Settled", "0", "6407425", "-6407425"],
      ["PayoutMade", "6407425", "0", "0"],
    ]);
    expect(page1.nextCursor).toMatch(/^\d+\.\d+$/);
    const second = await h.get(
      `/v1/finance/accounts/merchant-payable:sandbox-merchant/statement?limit=2&cursor=${page1.nextCursor}`,
    );
    expect(second.json().entries.map((e: Record<string, string>) => [e.kind, e.balance])).toEqual([
      ["Settled", "-6407425"],
      ["Cancelled", "-5910000"],
    ]);
    const third = await h.get(
      `/v1/finance/accounts/merchant-payable:sandbox-merchant/statement?limit=2&cursor=${second.json().nextCursor}`,
    );
    expect(third.json()).toMatchObject({ entries: [{ kind: "PayoutMade", balance: "0" }], nextCursor: null });
    expect(page1.entries[0]).toMatchObject({
      transactionId: txA,
      merchantId: "sandbox-merchant",
      userId: "sandbox-buyer",
    });
  });

  it("a merchant's settlement statement: settled, cancelled, fees, payouts and the payable at both ends", async () => {
    const res = await h.get("/v1/finance/merchants/sandbox-merchant/settlement-statement");
    expect(res.statusCode, res.body).toBe(200);
    const s = res.json();
    expect(s.settled).toEqual({ count: 2, gross: "13010000", merchantFee: "195150", net: "12814850" });
    expect(s.cancelled).toEqual({
      count: 2,
      gross: "1505000",
      merchantFeeReversed: "22575",
      beforePayout: "497425",
      afterPayout: "985000",
    });
    expect(s.payouts.map((p: Record<string, string>) => p.amount)).toEqual(["6407425", "4925000"]);
    expect(s).toMatchObject({
      openingPayable: "0",
      closingPayable: "0",
      closingReceivable: "0",
      closingNet: "0",
    });
    // A period that ends before anything happened is empty.
    const empty = await h.get(
      "/v1/finance/merchants/sandbox-merchant/settlement-statement?from=2000-01-01T00:00:00Z&to=2000-02-01T00:00:00Z",
    );
    expect(empty.json()).toMatchObject({
      settled: { count: 0, gross: "0" },
      payouts: [],
      closingPayable: "0",
    });
  });

  it("a settlement statement is per currency: the merchant's INR statement holds none of its VND business", async () => {
    const res = await h.get("/v1/finance/merchants/sandbox-merchant/settlement-statement?currency=INR");
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      currency: "INR",
      settled: { count: 0, gross: "0", merchantFee: "0", net: "0" },
      payouts: [],
      closingNet: "0",
    });
    const usd = await h.get("/v1/finance/merchants/sandbox-merchant/settlement-statement?currency=USD");
    expect(usd.statusCode).toBe(400);
    expect(usd.json()).toMatchObject({ code: "invalid_parameter", param: "currency" });
  });

  it("a buyer's loans: the schedule and what is still owed", async () => {
    const res = await h.get("/v1/finance/buyers/sandbox-buyer/loans");
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.loans).toHaveLength(3);
    const loanB = body.loans.find((l: { transactionId: string }) => l.transactionId === txB);
    expect(loanB).toMatchObject({
      merchantId: "m2",
      tenure: 3,
      scheduled: { principal: "6505000", interest: "575693", fee: "65050" },
    });
    expect(loanB.installments).toHaveLength(3);
    // The 2,000,000 repayment went to the oldest loan (A) first: fee (65,050 less the 10,000 cancelled),
    // interest, then principal.
    const loanA = body.loans.find((l: { transactionId: string }) => l.transactionId === txA);
    expect(loanA.repaid).toEqual({ principal: "1944950", interest: "0", fee: "55050" });
    expect(loanA.cancelled).toEqual({ principal: "1000000", interest: "0", fee: "10000" });
    const total = (c: { total: string }) => BigInt(c.total);
    expect(BigInt(body.outstanding)).toBe(
      body.loans.reduce(
        (sum: bigint, l: { outstanding: { total: string } }) => sum + total(l.outstanding),
        0n,
      ),
    );
    // The journal agrees: the buyer's three receivables together are the outstanding total.
    const b = balances((await trialBalance()).accounts);
    const receivables = ["customer-receivable", "interest-receivable", "fee-receivable"]
      .map((a) => BigInt(b[`${a}:sandbox-buyer`] ?? "0"))
      .reduce((x, y) => x + y, 0n);
    expect(receivables).toBe(BigInt(body.outstanding));
  });

  it("bad parameters are problems naming the parameter; unknown things are 404", async () => {
    const cases: [string, number, string][] = [
      ["/v1/finance/trial-balance?asOfPosition=abc", 400, "asOfPosition"],
      ["/v1/finance/trial-balance?asOfPosition=99999999999", 400, "asOfPosition"],
      ["/v1/finance/trial-balance?asOfTime=yesterday", 400, "asOfTime"],
      ["/v1/finance/trial-balance?asOfPosition=1&asOfTime=2026-01-01T00:00:00Z", 400, "asOfTime"],
      ["/v1/finance/accounts/nope/statement", 404, "account"],
      ["/v1/finance/accounts/fee-income/statement?limit=0", 400, "limit"],
      ["/v1/finance/accounts/fee-income/statement?cursor=x", 400, "cursor"],
      ["/v1/finance/merchants/nobody/settlement-statement", 404, "merchantId"],
      [
        "/v1/finance/merchants/sandbox-merchant/settlement-statement?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
        400,
        "to",
      ],
      ["/v1/finance/buyers/nobody/loans", 404, "userId"],
    ];
    for (const [url, status, param] of cases) {
      const res = await h.get(url);
      expect(res.statusCode, `${url}: ${res.body}`).toBe(status);
      expect(res.headers["content-type"]).toContain("application/problem+json");
      expect(res.json()).toMatchObject({ status, param });
    }
    expect((await h.get("/v1/finance/trial-balance", OPERATOR_KEY)).statusCode).toBe(403);
    expect((await h.get("/v1/finance/trial-balance", BOTH_KEY)).statusCode).toBe(200);
  });

  it("a payout whose transactions a concurrent run already paid is a 409 with the reason", async () => {
    const txD = await h.settle(M2, 1);
    await h.settled();
    // A run that read the open items before another run paid them: its read is frozen at that moment.
    const snapshot = await h.service.readStore.query(
      `SELECT merchant_id, currency, kind, transaction_id, payable_minor, receivable_minor
         FROM merchant_open_items WHERE payout_id IS NULL ORDER BY merchant_id, currency, position_num`,
    );
    expect((await runPayouts("run-4")).statusCode).toBe(201);
    const real = h.service.readStore;
    const stale = withQuery(real, (sql, params) =>
      sql.includes("merchant_open_items") ? Promise.resolve(snapshot) : real.query(sql, params),
    );
    const slow = payoutService({
      store: h.service.store,
      readStore: stale,
      waitForJournal: async () => true,
      now: () => new Date(),
    });
    await expect(
      slow.run({}, { actor: "test", correlationId: "c", causationId: "c" }),
    ).rejects.toBeInstanceOf(PayoutConflict);

    const app = await payoutApp(slow, real);
    const res = await app.inject({
      method: "POST",
      url: "/v1/payouts/run",
      payload: {},
      headers: { authorization: `Bearer ${OPERATOR_KEY}`, "idempotency-key": "stale-1" },
    });
    await app.close();
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: "transaction_already_paid", status: 409 });
    expect(res.json().detail).toContain(txD);
  });

  it("rebuilding the journal from the log gives identical rows", async () => {
    await h.settled();
    const tables = [
      "SELECT * FROM journal_entries ORDER BY entry_id",
      "SELECT * FROM journal_postings ORDER BY entry_id, seq",
      "SELECT * FROM account_balances ORDER BY account, currency",
      "SELECT * FROM merchant_open_items ORDER BY item_id",
      "SELECT * FROM merchant_netting ORDER BY merchant_id, currency",
      "SELECT * FROM merchant_payouts ORDER BY payout_id",
    ];
    const read = () => Promise.all(tables.map((sql) => h.service.readStore.query(sql)));
    const before = await read();
    expect(before[1]!.length).toBeGreaterThan(20);
    const generation = (await h.service.readStore.projectionState("journal"))?.generation;
    expect(await h.service.runner!.rebuild("journal")).toBe(true);
    expect((await h.service.readStore.projectionState("journal"))?.generation).toBe((generation ?? 0) + 1);
    expect(await read()).toEqual(before);
    await expectBooksBalance();
  });
});
