import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CheckoutHarness, startCheckoutHarness } from "../checkout/harness.ts";
import { Receiver } from "../notifier/harness.ts";
import { approveAs, type Buyer } from "../support/buyers.ts";
import { eventually } from "../support/eventually.ts";
import { bearer } from "../support/http.ts";
import {
  BusinessClock,
  DAY_MS,
  initThroughHttp,
  registerBuyer,
  settleThroughHttp,
} from "../support/money-flows.ts";

// POST /v1/repayments through HTTP on the composed runtime: each test has its own buyer and credit line,
// loans come from checkouts settled end to end, and the business clock moves forward to make debt overdue.
// Refusals are checked to append nothing (the head of the quiet log before = the head after the reply).

const OPERATOR = "repayments-operator-key-0001";
const FINANCE = "repayments-finance-key-00001";

let h: CheckoutHarness;
const clock = new BusinessClock();
const receiver = new Receiver();

beforeAll(async () => {
  await receiver.listen();
  h = await startCheckoutHarness({
    now: clock.now,
    env: { CONFIRM_TIMEOUT_SECONDS: "30", API_KEYS: `${OPERATOR}:operator,${FINANCE}:finance` },
  });
});
afterAll(async () => {
  await h?.close();
  await receiver.close();
});

interface Reply {
  readonly statusCode: number;
  readonly json: Record<string, unknown>;
  readonly headers: Record<string, unknown>;
}

async function repay(
  body: unknown,
  options: { key?: string | null; auth?: string | null } = {},
): Promise<Reply> {
  const key = options.key === undefined ? randomUUID() : options.key;
  const auth = options.auth === undefined ? OPERATOR : options.auth;
  const res = await h.app.inject({
    method: "POST",
    url: "/v1/repayments",
    payload: JSON.stringify(body),
    headers: {
      "content-type": "application/json",
      ...(key === null ? {} : { "idempotency-key": key }),
      ...(auth === null ? {} : bearer(auth)),
    },
  });
  return { statusCode: res.statusCode, json: res.json() as Record<string, unknown>, headers: res.headers };
}

/** A refused repayment: its status and problem, and nothing appended. */
async function refused(body: unknown, status: number, options: Parameters<typeof repay>[1] = {}) {
  const before = await h.quietHead();
  const reply = await repay(body, options);
  expect(reply.statusCode, JSON.stringify(reply.json)).toBe(status);
  expect(String(reply.headers["content-type"])).toContain("application/problem+json");
  expect(reply.json).toMatchObject({ status, requestId: expect.any(String) });
  expect(await h.head()).toBe(before);
  return reply.json;
}

async function creditLine(userId: string) {
  await h.quietHead();
  const [row] = await h.readStore.query(
    "SELECT total_minor, held_minor, used_minor, outstanding_minor FROM credit_lines WHERE user_id = ?",
    [userId],
  );
  return {
    total: BigInt(String(row?.total_minor)),
    held: BigInt(String(row?.held_minor)),
    used: BigInt(String(row?.used_minor)),
    outstanding: BigInt(String(row?.outstanding_minor)),
  };
}

const settleFor = (buyer: Buyer, amount: number, tenure: 1 | 3 | 6 | 12 = 1) =>
  settleThroughHttp(h, { amount, tenure, buyer, pushUrl: receiver.url });

async function repaymentEvents(userId: string): Promise<number> {
  const events = await h.store.readStream(`creditline-${userId}`, { fromRevision: 0, maxCount: 1000 });
  return events.filter((e) => e.type === "RepaymentApplied").length;
}

describe("POST /v1/repayments: applied", () => {
  it("pays the installment due first across loans (fee, interest, then principal), decimal strings", async () => {
    const buyer = await registerBuyer(h, 10_000_000n);
    // Loan A: 900,000 over 3 months: 79,650 interest (295 bps × 3), 9,000 fee with the first installment;
    // installments of 300,000 principal + 26,550 interest, due at 30, 60 and 90 days.
    const a = await settleFor(buyer, 900_000, 3);
    // Loan B, settled after A: 1,000,000 over 1 month, 10,000 fee, due at 30 days (after A's first).
    const b = await settleFor(buyer, 1_000_000, 1);
    expect((await creditLine(buyer.userId)).outstanding).toBe(900_000n + 79_650n + 9_000n + 1_010_000n);

    const reply = await repay({
      userId: buyer.userId,
      amount: "1400000",
      bankReference: "UTR-0001",
      receivedAt: "2026-05-01T10:00:00.000Z",
    });
    expect(reply.statusCode, JSON.stringify(reply.json)).toBe(201);
    expect(reply.json).toEqual({
      repaymentId: expect.any(String),
      userId: buyer.userId,
      product: "kredivo",
      currency: "VND",
      amount: "1400000",
      bankReference: "UTR-0001",
      receivedAt: "2026-05-01T10:00:00.000Z",
      allocations: [
        {
          transactionId: a.transactionId,
          installment: 1,
          principal: "300000",
          interest: "26550",
          fee: "9000",
        },
        { transactionId: b.transactionId, installment: 1, principal: "1000000", interest: "0", fee: "10000" },
        // 1,400,000 − 335,550 − 1,010,000 = 54,450: A's second installment, interest first
        { transactionId: a.transactionId, installment: 2, principal: "27900", interest: "26550", fee: "0" },
      ],
      outstanding: String(988_650n + 1_010_000n - 1_400_000n),
    });
    const line = await creditLine(buyer.userId);
    expect(line.used).toBe(1_900_000n - 300_000n - 1_000_000n - 27_900n);
    expect(line.outstanding).toBe(598_650n);
  });

  it("gives the repaid principal back as credit the buyer can spend again", async () => {
    const buyer = await registerBuyer(h, 2_000_000n, { 1: 2_000_000n });
    await settleFor(buyer, 2_000_000);
    expect(await creditLine(buyer.userId)).toEqual({
      total: 2_000_000n,
      held: 0n,
      used: 2_000_000n,
      outstanding: 2_020_000n,
    });
    const refusedCheckout = await initThroughHttp(h, { amount: 500_000, pushUrl: receiver.url });
    expect(await approveAs(h, refusedCheckout.transactionId, buyer)).toBe("denied");

    const reply = await repay({ userId: buyer.userId, amount: "2020000", bankReference: "UTR-0002" });
    expect(reply.statusCode).toBe(201);
    expect(reply.json.outstanding).toBe("0");
    expect(await creditLine(buyer.userId)).toEqual({
      total: 2_000_000n,
      held: 0n,
      used: 0n,
      outstanding: 0n,
    });

    const again = await initThroughHttp(h, { amount: 2_000_000, pushUrl: receiver.url });
    expect(await approveAs(h, again.transactionId, buyer)).toBe("pending");
  });

  it("replays the same Idempotency-Key with the stored reply and records the repayment once", async () => {
    const buyer = await registerBuyer(h, 5_000_000n);
    await settleFor(buyer, 1_000_000);
    const body = { userId: buyer.userId, amount: "400000", bankReference: "UTR-0003" };
    const key = randomUUID();
    const first = await repay(body, { key });
    expect(first.statusCode).toBe(201);
    const head = await h.quietHead();
    const second = await repay(body, { key });
    expect(second.statusCode).toBe(201);
    expect(second.json).toEqual(first.json);
    expect(second.headers["idempotent-replayed"]).toBe("true");
    expect(await h.head()).toBe(head);
    expect(await repaymentEvents(buyer.userId)).toBe(1);
    expect((await creditLine(buyer.userId)).outstanding).toBe(1_010_000n - 400_000n);

    const reused = await refused({ ...body, amount: "400001" }, 422, { key });
    expect(reused).toMatchObject({ code: "idempotency_key_reused", param: "Idempotency-Key" });
    // A new key is a new repayment.
    expect((await repay(body)).statusCode).toBe(201);
    expect(await repaymentEvents(buyer.userId)).toBe(2);
  });
});

describe("POST /v1/repayments: refused, nothing appended", () => {
  let buyer: Buyer;
  beforeAll(async () => {
    buyer = await registerBuyer(h, 5_000_000n);
    await settleFor(buyer, 1_000_000);
  });
  const body = () => ({ userId: buyer.userId, amount: "100000", bankReference: "UTR-0100" });

  it("409 over what the buyer owes, with the reason and the outstanding amount", async () => {
    const problem = await refused({ ...body(), amount: "1010001" }, 409);
    expect(problem).toMatchObject({
      type: "/problems/repayment_must_not_exceed_outstanding",
      title: "Conflict",
      code: "repayment_must_not_exceed_outstanding",
      param: "amount",
      outstanding: "1010000",
      detail: `the repayment of 1010001 VND is more than user ${buyer.userId} owes: 1010000 VND`,
    });
  });

  it.each([
    ["-5", "amount_must_not_be_negative"],
    ["0", "amount_must_be_positive"],
    ["1000.5", "amount_has_too_many_decimals"],
    ["1e6", "amount_must_be_a_number"],
    ["ten", "amount_must_be_a_number"],
    [1000, "amount_must_be_a_decimal_string"],
    [undefined, "required"],
  ])("400 naming amount for %j", async (amount, reason) => {
    const problem = await refused({ ...body(), amount }, 400);
    expect(problem).toMatchObject({
      code: "invalid_parameter",
      param: "amount",
      detail: `amount: ${reason}`,
    });
  });

  it("400 naming the field for a missing bankReference or a bad receivedAt", async () => {
    const { bankReference: _dropped, ...rest } = body();
    expect(await refused(rest, 400)).toMatchObject({ param: "bankReference" });
    expect(await refused({ ...body(), receivedAt: "yesterday" }, 400)).toMatchObject({ param: "receivedAt" });
  });

  it("404 naming userId for a user id no credit line's stream can have (it was a 500), before the store is read", async () => {
    const problem = await refused({ ...body(), userId: "not an id!" }, 404);
    expect(problem).toMatchObject({ code: "credit_line_not_found", param: "userId" });
  });

  it("404 for a user without a credit line", async () => {
    const problem = await refused({ ...body(), userId: "nobody-here" }, 404);
    expect(problem).toMatchObject({ code: "credit_line_not_found", param: "userId" });
  });

  it("400 without an Idempotency-Key", async () => {
    const problem = await refused(body(), 400, { key: null });
    expect(problem).toMatchObject({ code: "idempotency_key_required", param: "Idempotency-Key" });
  });

  it("401 without an API key and 403 with a key that lacks the operator role, before the body is read", async () => {
    expect(await refused({ amount: "bad" }, 401, { auth: null })).toMatchObject({ code: "api_key_missing" });
    expect(await refused(body(), 401, { auth: "not-a-known-key-000000" })).toMatchObject({
      code: "api_key_invalid",
    });
    expect(await refused({ amount: "bad" }, 403, { auth: FINANCE })).toMatchObject({ code: "role_required" });
  });

  it("left the buyer's debt untouched", async () => {
    expect(await repaymentEvents(buyer.userId)).toBe(0);
    expect((await creditLine(buyer.userId)).outstanding).toBe(1_010_000n);
  });
});

describe("overdue debt denies new checkouts until it is repaid", () => {
  it("denies with user_has_overdue_debt, pushes the seed's words, and approves again after repayment", async () => {
    const buyer = await registerBuyer(h, 10_000_000n);
    await settleFor(buyer, 1_000_000);
    await clock.ahead(31 * DAY_MS, async () => {
      const denied = await initThroughHttp(h, { amount: 500_000, pushUrl: receiver.url });
      expect(await approveAs(h, denied.transactionId, buyer)).toBe("denied");
      const events = await h.store.readStream(`checkout-${denied.transactionId}`, {
        fromRevision: 0,
        maxCount: 100,
      });
      expect(events.find((e) => e.type === "Denied")?.data).toMatchObject({
        reason: "user_has_overdue_debt",
      });
      const push = await eventually("the denied push", () =>
        receiver.received
          .map((r) => JSON.parse(r.body) as Record<string, unknown>)
          .find((p) => p.transaction_id === denied.transactionId && p.trx_status === "denied"),
      );
      expect(push.message).toBe("transaction denied: user has overdue debt");

      expect(
        (await repay({ userId: buyer.userId, amount: "1010000", bankReference: "UTR-0200" })).statusCode,
      ).toBe(201);
      const approved = await initThroughHttp(h, { amount: 500_000, pushUrl: receiver.url });
      expect(await approveAs(h, approved.transactionId, buyer)).toBe("pending");
    });
  });
});
