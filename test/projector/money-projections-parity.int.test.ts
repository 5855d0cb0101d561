import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkoutTransactionsProjection } from "../../services/checkout/read-models/checkout-transactions.ts";
import { creditLinesProjection } from "../../services/credit/read-models/credit-lines.ts";
import { PostgresReadStore } from "../../services/platform/readstore/postgres-read-store.ts";
import { ProjectionRunner } from "../../services/projector/projection-runner.ts";
import { type CheckoutHarness, startCheckoutHarness } from "../checkout/harness.ts";
import { cancelRequest } from "../support/checkout-requests.ts";
import { bearer } from "../support/http.ts";
import { registerBuyer, settleThroughHttp } from "../support/money-flows.ts";
import { DATABASE_URL, uniqueSchema } from "../support/postgres.ts";

const silent = { info: () => {}, error: () => {} };
const OPERATOR = "parity-operator-key-000001";

// The status view and the credit lines after cancellations and repayments: the log is made through HTTP on
// the composed runtime (SQLite), then the same projections replay it into PostgreSQL; both must agree, and
// the credit line must say what the buyer owes.
describe("status view and credit lines after cancellations and repayments, SQLite = PostgreSQL", () => {
  let h: CheckoutHarness;
  let postgres: PostgresReadStore;
  let userId: string;

  beforeAll(async () => {
    h = await startCheckoutHarness({
      env: { CONFIRM_TIMEOUT_SECONDS: "30", API_KEYS: `${OPERATOR}:operator` },
    });
    const buyer = await registerBuyer(h, 10_000_000n);
    userId = buyer.userId;
    const cancel = (t: { transactionId: string; orderId: string }, amount?: number) =>
      h.post("/transaction/cancel", cancelRequest(t, { amount }));
    const a = await settleThroughHttp(h, { amount: 1_000_000, buyer }); // owes 1,010,000
    const b = await settleThroughHttp(h, { amount: 900_000, tenure: 3, buyer }); // owes 988,650
    const c = await settleThroughHttp(h, { amount: 500_000, buyer }); // owes 505,000
    // Pays a (1,010,000) and 290,000 of b's first installment (9,000 fee, 26,550 interest, 254,450 principal).
    const repaid = await h.app.inject({
      method: "POST",
      url: "/v1/repayments",
      payload: { userId, amount: "1300000", bankReference: "UTR-P-1" },
      headers: { ...bearer(OPERATOR), "idempotency-key": "parity-1" },
    });
    expect(repaid.statusCode, repaid.body).toBe(201);
    expect((await cancel(c, 200_000)).json()).toMatchObject({ status: 1 }); // partial
    expect((await cancel(a)).json()).toMatchObject({ status: 1 }); // all of a loan already repaid: refund due
    expect((await cancel(b)).json()).toMatchObject({ status: 1 }); // the rest of b, partly repaid
    await h.quietHead();

    postgres = new PostgresReadStore({
      connectionString: DATABASE_URL,
      schema: uniqueSchema("money_parity"),
    });
    const runner = new ProjectionRunner({
      store: h.store,
      readStore: postgres,
      projections: [checkoutTransactionsProjection, creditLinesProjection],
      logger: silent,
    });
    await runner.start();
    expect(await runner.waitFor(await h.store.headPosition(), 10_000)).toBe(true);
    await runner.stop();
  });

  afterAll(async () => {
    await postgres?.dropSchema();
    await postgres?.close();
    await h?.close();
  });

  it.each([
    ["checkout_transactions", "SELECT * FROM checkout_transactions ORDER BY transaction_id"],
    ["credit_lines", "SELECT * FROM credit_lines ORDER BY user_id"],
    ["credit_line_tenures", "SELECT * FROM credit_line_tenures ORDER BY user_id, tenure"],
    ["credit_line_loans", "SELECT * FROM credit_line_loans ORDER BY transaction_id"],
  ])("%s is identical", async (_table, query) => {
    const fromSqlite = await h.readStore.query(query);
    expect(fromSqlite.length).toBeGreaterThan(0);
    expect(await postgres.query(query)).toEqual(fromSqlite);
  });

  it("the credit line owes what is left and lends again what was given back", async () => {
    const [line] = await postgres.query(
      "SELECT held_minor, used_minor, outstanding_minor, refund_due_minor FROM credit_lines WHERE user_id = ?",
      [userId],
    );
    // Left: c's 300,000 principal + its 3,000 fee (a cancellation takes back the latest installment first,
    // and c has one). Refund due: a's 1,010,000 repaid then cancelled, and b's 290,000 repaid then cancelled.
    const { state } = await h.checkout.creditLines.load(`creditline-${userId}`);
    expect(line).toEqual({
      held_minor: 0n,
      used_minor: state.usedMinor,
      outstanding_minor: 303_000n,
      refund_due_minor: state.refundDueMinor,
    });
    expect(state.usedMinor).toBe(300_000n);
    expect(state.refundDueMinor).toBe(1_010_000n + 290_000n);
  });

  it("trx_status is cancel only for the fully cancelled transactions", async () => {
    const rows = await postgres.query(
      "SELECT trx_status, amount_minor, cancelled_minor FROM checkout_transactions ORDER BY amount_minor",
    );
    expect(rows).toEqual([
      { trx_status: "settlement", amount_minor: 500_000n, cancelled_minor: 200_000n },
      { trx_status: "cancel", amount_minor: 900_000n, cancelled_minor: 900_000n },
      { trx_status: "cancel", amount_minor: 1_000_000n, cancelled_minor: 1_000_000n },
    ]);
  });
});
