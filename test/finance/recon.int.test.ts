import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkoutStream } from "../../services/ledger/checkout/checkout.decider.ts";
import { kredivoMeta } from "../support/merchants.ts";
import { FINANCE_KEY, type FinanceHarness, OPERATOR_KEY, SANDBOX, startFinanceHarness } from "./harness.ts";

// Reconciliation reports over a real service: payouts with the lines they cover (summing to each payout),
// and the aging of receivables, in JSON and CSV.

let h: FinanceHarness;
let txA: string;
let txC: string;

const runPayouts = (key: string) =>
  h.post("/v1/payouts/run", {}, { authorization: `Bearer ${OPERATOR_KEY}`, "idempotency-key": key });

async function cancel(transactionId: string, cancellationId: string, amountMinor: bigint) {
  await h.service.checkout!.checkouts.handle(
    checkoutStream(transactionId),
    { type: "Cancel", cancellationId, amountMinor, reason: "returned", cancelledBy: "merchant" },
    kredivoMeta(),
  );
  await h.settled();
}

const csv = (url: string) =>
  h.service.app.inject({
    method: "GET",
    url,
    headers: { authorization: `Bearer ${FINANCE_KEY}`, accept: "text/csv" },
  });

beforeAll(async () => {
  h = await startFinanceHarness();
  txA = await h.settle(SANDBOX, 1);
  await h.settle(SANDBOX, 3);
  await h.settled();
  expect((await runPayouts("recon-1")).statusCode).toBe(201);
  await cancel(txA, "after-payout", 1_000_000n); // a refund the next payout nets
  txC = await h.settle(SANDBOX, 1);
  await cancel(txC, "before-payout", 505_000n); // taken off the payable before it is paid
  await h.settled();
  expect((await runPayouts("recon-2")).statusCode).toBe(201);
  await h.settled();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe("GET /v1/recon/payouts", () => {
  it("lists each payout with every line it covers, the lines summing to the payout", async () => {
    const res = await h.get("/v1/recon/payouts");
    expect(res.statusCode, res.body).toBe(200);
    const { payouts } = res.json();
    expect(payouts).toHaveLength(2);
    for (const payout of payouts) {
      const sum = payout.lines.reduce((total: bigint, l: { net: string }) => total + BigInt(l.net), 0n);
      expect(sum.toString(), payout.payoutId).toBe(payout.amount);
    }
    const second = payouts[1];
    expect(
      second.lines.map((l: { category: string; transactionId: string }) => [l.category, l.transactionId]),
    ).toEqual(
      expect.arrayContaining([
        ["settlement", txC],
        ["cancellation", txC],
        ["refund", txA],
      ]),
    );
    const refund = second.lines.find((l: { category: string }) => l.category === "refund");
    expect(refund).toMatchObject({ gross: "-1000000", fee: "-15000", net: "-985000" });
  });

  it("answers CSV with Accept: text/csv, one row per line", async () => {
    const json = (await h.get("/v1/recon/payouts")).json();
    const res = await csv("/v1/recon/payouts");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/csv");
    const rows = res.body.trimEnd().split("\r\n");
    expect(rows[0]).toBe(
      "payout_id,merchant_id,paid_at,bank_reference,payout_amount,currency,category,transaction_id,effective_at,gross,fee,net",
    );
    const lines = json.payouts.flatMap((p: { lines: unknown[] }) => p.lines);
    expect(rows).toHaveLength(1 + lines.length);
  });

  it("filters by merchant and period, and refuses a period that ends before it starts", async () => {
    expect((await h.get("/v1/recon/payouts?merchantId=nobody")).json().payouts).toEqual([]);
    expect((await h.get("/v1/recon/payouts?to=2000-01-01T00:00:00Z")).json().payouts).toEqual([]);
    const bad = await h.get("/v1/recon/payouts?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z");
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: "invalid_parameter", param: "to" });
    expect((await h.get("/v1/recon/payouts", OPERATOR_KEY)).statusCode).toBe(403);
  });
});

describe("GET /v1/recon/aging", () => {
  const days = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();

  it("puts what the buyer owes in current today, in 90+ once every installment is long past due", async () => {
    const owed = (await h.get("/v1/finance/buyers/sandbox-buyer/loans")).json().outstanding;
    const today = (await h.get("/v1/recon/aging")).json();
    expect(today.lines).toEqual([
      expect.objectContaining({
        userId: "sandbox-buyer",
        currency: "VND",
        current: owed,
        "90+": "0",
        total: owed,
      }),
    ]);
    expect(today.totals).toEqual([expect.objectContaining({ currency: "VND", total: owed })]);
    const later = (await h.get(`/v1/recon/aging?at=${encodeURIComponent(days(200))}`)).json();
    expect(later.lines[0]).toMatchObject({ current: "0", "90+": owed, total: owed });
  });

  it("as of a date before any loan, owes nothing; CSV has a row per line", async () => {
    expect((await h.get("/v1/recon/aging?at=2000-01-01T00:00:00Z")).json().lines).toEqual([]);
    const res = await csv("/v1/recon/aging?currency=VND");
    expect(res.body.split("\r\n")[0]).toBe("user_id,product,currency,current,1-30,31-60,61-90,90+,total");
    expect(res.body.trimEnd().split("\r\n")).toHaveLength(2);
  });
});

describe("POST /v1/recon/bank-statements", () => {
  const importCsv = (csvText: string, contentType = "text/csv") =>
    h.service.app.inject({
      method: "POST",
      url: "/v1/recon/bank-statements",
      headers: { authorization: `Bearer ${FINANCE_KEY}`, "content-type": contentType },
      payload: csvText,
    });

  it("matches payouts by reference and amount, flags a wrong amount and what is on one side only; the same file again changes nothing", async () => {
    const { payouts } = (await h.get("/v1/recon/payouts")).json();
    const [first, second] = payouts;
    const date = String(first.paidAt).slice(0, 10);
    const csvText = [
      "Date,Amount,Currency,Reference,Direction",
      `${date},${first.amount},VND,${first.bankReference},debit`,
      `${date},1,VND,${second.bankReference},debit`,
      `${date},12.5,INR,UTR-UNKNOWN,credit`,
      "",
    ].join("\n");
    const before = await h.service.store.headPosition();
    const res = await importCsv(csvText);
    expect(res.statusCode, res.body).toBe(201);
    const report = res.json();
    expect(report.summary).toEqual({
      matched: 1,
      amountMismatches: 1,
      unmatchedLines: 1,
      unmatchedMovements: 0,
    });
    expect(report.exceptions).toEqual([
      expect.objectContaining({
        kind: "amount_mismatch",
        movement: expect.objectContaining({ id: second.payoutId }),
      }),
      expect.objectContaining({ kind: "unmatched_line", reason: "no_movement_with_reference" }),
    ]);
    const after = await h.service.store.headPosition();
    expect(BigInt(after)).toBeGreaterThan(BigInt(before));

    const again = await importCsv(csvText);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(report);
    expect(await h.service.store.headPosition()).toBe(after);

    const read = await h.get(`/v1/recon/bank-statements/${report.statementId}`);
    expect(read.json()).toEqual(report);
    const asCsv = await csv(`/v1/recon/bank-statements/${report.statementId}`);
    expect(asCsv.body.trimEnd().split("\r\n")).toHaveLength(3);
  });

  it("reports a payout of the statement's dates that no line matched", async () => {
    const { payouts } = (await h.get("/v1/recon/payouts")).json();
    const date = String(payouts[0].paidAt).slice(0, 10);
    const res = await importCsv(`date,amount,currency,reference,direction\n${date},5,VND,UTR-OTHER,credit\n`);
    expect(res.statusCode, res.body).toBe(201);
    const unmatched = res.json().exceptions.filter((e: { kind: string }) => e.kind === "unmatched_movement");
    expect(unmatched.map((e: { movement: { id: string } }) => e.movement.id).sort()).toEqual(
      payouts.map((p: { payoutId: string }) => p.payoutId).sort(),
    );
  });

  it.each([
    ["no lines", "date,amount,currency,reference,direction\n", "no lines"],
    ["a missing column", "date,amount,reference,direction\n2026-12-01,1,UTR,debit\n", "missing currency"],
    ["a bad date", "date,amount,currency,reference,direction\n1/12/2026,1,VND,UTR,debit\n", "line 1: date"],
    [
      "a bad amount",
      "date,amount,currency,reference,direction\n2026-12-01,1.5,VND,UTR,debit\n",
      "line 1: amount",
    ],
    [
      "a bad direction",
      "date,amount,currency,reference,direction\n2026-12-01,1,VND,UTR,sideways\n",
      "line 1: direction",
    ],
    ["not CSV", 'date,amount\n"unterminated\n', "not CSV"],
  ])("refuses %s with bank_statement_invalid, recording nothing", async (_, csvText, detail) => {
    const before = await h.service.store.headPosition();
    const res = await importCsv(csvText);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ code: "bank_statement_invalid", param: "body" });
    expect(res.json().detail).toContain(detail);
    expect(await h.service.store.headPosition()).toBe(before);
  });

  it("refuses another media type (415), an unknown statement (404) and a caller without the finance role", async () => {
    expect((await importCsv("{}", "application/xml")).statusCode).toBe(415);
    const unknown = await h.get(`/v1/recon/bank-statements/${"0".repeat(64)}`);
    expect(unknown.json()).toMatchObject({ code: "bank_statement_not_found" });
    const operator = await h.service.app.inject({
      method: "POST",
      url: "/v1/recon/bank-statements",
      headers: { authorization: `Bearer ${OPERATOR_KEY}`, "content-type": "text/csv" },
      payload: "date,amount,currency,reference,direction\n",
    });
    expect(operator.statusCode).toBe(403);
  });
});

describe("the daily close, /v1/recon/days", () => {
  const dayBefore = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
  const closeDay = (day: string, body: unknown = { currency: "VND" }) =>
    h.post(`/v1/recon/days/${day}/close`, body, { authorization: `Bearer ${FINANCE_KEY}` });
  const repay = async (key: string, receivedAt: string) => {
    const res = await h.post(
      "/v1/repayments",
      { userId: "sandbox-buyer", amount: "1000", bankReference: `UTR-${key}`, receivedAt },
      { authorization: `Bearer ${OPERATOR_KEY}`, "idempotency-key": key },
    );
    expect(res.statusCode, res.body).toBe(201);
    await h.settled();
  };
  const total = (balances: { balance: string }[]) => balances.reduce((sum, b) => sum + BigInt(b.balance), 0n);

  it("closes days in order, each opening where the last closed; a posting recorded after its day closed lands in the next open day", async () => {
    await repay("close-1", `${dayBefore(3)}T10:00:00Z`);
    const first = await closeDay(dayBefore(3));
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().closed).toEqual([dayBefore(3)]);
    const day3 = first.json().day;
    expect(day3.opening).toEqual([]);
    expect(day3.movements).toEqual(
      expect.arrayContaining([{ accountClass: "cash", debit: "1000", credit: "0" }]),
    );
    expect(total(day3.closing)).toBe(0n);

    await repay("close-2", `${dayBefore(3)}T11:00:00Z`); // recorded after its day closed
    const through = await closeDay(dayBefore(1));
    expect(through.statusCode, through.body).toBe(201);
    expect(through.json().closed).toEqual([dayBefore(2), dayBefore(1)]);

    const { days } = (await h.get("/v1/recon/days")).json();
    expect(days.map((d: { day: string }) => d.day)).toEqual([dayBefore(3), dayBefore(2), dayBefore(1)]);
    const [d3, d2, d1] = days;
    expect(d3).toEqual(day3); // a closed day never changes
    expect(d2.opening).toEqual(d3.closing);
    expect(d1.opening).toEqual(d2.closing);
    expect(d2.late).toEqual([
      { belongsTo: dayBefore(3), postings: expect.any(Number), debit: "1000", credit: "1000" },
    ]);
    expect(d2.movements).toEqual(
      expect.arrayContaining([{ accountClass: "cash", debit: "1000", credit: "0" }]),
    );
    for (const d of days) expect(total(d.closing)).toBe(0n);
  });

  it("answers a closed day as it is when it is closed again, and one day on its own", async () => {
    const before = await h.service.store.headPosition();
    const again = await closeDay(dayBefore(2));
    expect(again.statusCode).toBe(201);
    expect(again.json().closed).toEqual([]);
    expect(await h.service.store.headPosition()).toBe(before);
    expect((await h.get(`/v1/recon/days/${dayBefore(2)}`)).json()).toEqual(again.json().day);
  });

  it("answers a day before the first close with the first close, which counted it as history (not 409)", async () => {
    // Found by the reconciliation property (recon.property.int.test.ts): it was refused as day_not_over.
    const before = await h.service.store.headPosition();
    const earlier = await closeDay(dayBefore(5));
    expect(earlier.statusCode, earlier.body).toBe(201);
    expect(earlier.json()).toEqual({
      closed: [],
      day: expect.objectContaining({ day: dayBefore(3), opening: [] }),
    });
    expect(await h.service.store.headPosition()).toBe(before);
    expect((await h.get(`/v1/recon/days/${dayBefore(5)}`)).json()).toEqual(earlier.json().day);
  });

  it("refuses a day that is not over (409) and names a day not closed (404)", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const res = await closeDay(today);
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json()).toMatchObject({ code: "day_not_over", param: "day" });
    const notClosed = await h.get(`/v1/recon/days/${today}`);
    expect(notClosed.json()).toMatchObject({ code: "day_not_closed" });
    expect((await h.get("/v1/recon/days?currency=INR")).json().days).toEqual([]);
  });

  it("answers CSV: a row per day and account class", async () => {
    const res = await csv("/v1/recon/days");
    const rows = res.body.trimEnd().split("\r\n");
    expect(rows[0]).toBe("day,currency,account_class,opening,debit,credit,closing");
    expect(rows.slice(1).every((r) => r.startsWith("20"))).toBe(true);
  });
});
