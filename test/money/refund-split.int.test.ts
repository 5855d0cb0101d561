import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoanAmounts } from "../../services/ledger/creditline/creditline.state.ts";
import { creditLineStream, kredivoLine } from "../../services/ledger/creditline/creditline.stream.ts";
import { type CheckoutHarness, startCheckoutHarness } from "../checkout/harness.ts";
import type { Buyer } from "../support/buyers.ts";
import { cancelRequest } from "../support/checkout-requests.ts";
import { eventually } from "../support/eventually.ts";
import { bearer } from "../support/http.ts";
import { registerBuyer, settleThroughHttp } from "../support/money-flows.ts";

// A cancellation that follows a repayment refunds what the buyer had already repaid of the cancelled part,
// and LoanCancelled says how much of that was principal, interest and fee. Through the composed runtime
// (checkout settled over HTTP, POST /v1/repayments, POST /kredivo/transaction/cancel, the journal read back
// through GET /v1/finance/trial-balance): after every step each of the buyer's receivables holds exactly what
// the loan's installments still owe of that component, so none is ever left with a credit balance, and
// refund-payable holds what is owed back.

const OPERATOR = "refund-split-operator-key-01";
const FINANCE = "refund-split-finance-key-001";

let h: CheckoutHarness;

beforeAll(async () => {
  h = await startCheckoutHarness({
    env: { CONFIRM_TIMEOUT_SECONDS: "30", API_KEYS: `${OPERATOR}:operator,${FINANCE}:finance` },
  });
});
afterAll(async () => {
  await h?.close();
});

async function call(method: "GET" | "POST", url: string, key: string, body?: unknown) {
  const res = await h.app.inject({
    method,
    url,
    headers: {
      ...bearer(key),
      ...(body === undefined ? {} : { "content-type": "application/json", "idempotency-key": randomUUID() }),
    },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json() as Record<string, unknown>;
}

type Books = LoanAmounts & { readonly refundDueMinor: bigint };

/** What the loans still owe, per component, and what is due back, as the credit line's own state has it. */
async function owed(buyer: Buyer): Promise<Books> {
  const { state } = await h.checkout.creditLines.load(creditLineStream(kredivoLine(buyer.userId)));
  const sum = { principalMinor: 0n, interestMinor: 0n, feeMinor: 0n };
  for (const loan of state.loans.values()) {
    for (const i of loan.installments) {
      sum.principalMinor += i.principalMinor;
      sum.interestMinor += i.interestMinor;
      sum.feeMinor += i.feeMinor;
    }
  }
  return { ...sum, refundDueMinor: state.refundDueMinor };
}

/** The buyer's accounts in the trial balance (debit − credit), as the journal has them. */
async function journal(buyer: Buyer): Promise<Books> {
  const tb = await call("GET", "/v1/finance/trial-balance", FINANCE);
  const lines = tb.accounts as { account: string; balance: string }[];
  const balance = (account: string) =>
    BigInt(lines.find((l) => l.account === `${account}:${buyer.userId}`)?.balance ?? "0");
  return {
    principalMinor: balance("customer-receivable"),
    interestMinor: balance("interest-receivable"),
    feeMinor: balance("fee-receivable"),
    refundDueMinor: -balance("refund-payable"),
  };
}

const same = (a: Books, b: Books) =>
  a.principalMinor === b.principalMinor &&
  a.interestMinor === b.interestMinor &&
  a.feeMinor === b.feeMinor &&
  a.refundDueMinor === b.refundDueMinor;

/**
 * Waits until the journal shows what the credit line says (the credit line follows the checkout through a
 * reactor, the journal follows the log through its projection), and checks that no receivable is in credit.
 */
async function receivablesFollowTheLoan(buyer: Buyer): Promise<Books> {
  const books = await eventually("the journal to reach the credit line", async () => {
    const found = await journal(buyer);
    return same(found, await owed(buyer)) ? found : undefined;
  });
  for (const part of [books.principalMinor, books.interestMinor, books.feeMinor]) {
    expect(part).toBeGreaterThanOrEqual(0n);
  }
  return books;
}

async function cancel(t: { transactionId: string; orderId: string }, amount?: number) {
  const res = await h.post("/transaction/cancel", cancelRequest(t, { amount }));
  expect(res.json()).toEqual({ status: 1, message: "API cancel received" });
}

describe("a cancellation after a repayment", () => {
  it("refunds the repaid part per component, leaving no receivable with a credit balance", async () => {
    const buyer = await registerBuyer(h, 10_000_000n);
    // 1,000,000 over 3 months: interest 88,500 (29,500 a month), processing fee 10,000 with installment 1.
    const t = await settleThroughHttp(h, { amount: 1_000_000, tenure: 3, buyer });
    expect(await receivablesFollowTheLoan(buyer)).toEqual({
      principalMinor: 1_000_000n,
      interestMinor: 88_500n,
      feeMinor: 10_000n,
      refundDueMinor: 0n,
    });

    // Installment 1 in full: 333,333 + 29,500 + the 10,000 fee.
    await call("POST", "/v1/repayments", OPERATOR, {
      userId: buyer.userId,
      amount: "372833",
      bankReference: "UTR-refund-split",
    });
    expect(await receivablesFollowTheLoan(buyer)).toEqual({
      principalMinor: 666_667n,
      interestMinor: 59_000n,
      feeMinor: 0n,
      refundDueMinor: 0n,
    });

    // Half: its principal and interest come off installments 3 and 2, still owed; its 5,000 share of the
    // fee was repaid with installment 1, so that is refunded and debited back to fee-receivable.
    await cancel(t, 500_000);
    expect(await receivablesFollowTheLoan(buyer)).toEqual({
      principalMinor: 166_667n,
      interestMinor: 14_750n,
      feeMinor: 0n,
      refundDueMinor: 5_000n,
    });

    // The rest: everything repaid comes back, each component to its own receivable.
    await cancel(t);
    expect(await receivablesFollowTheLoan(buyer)).toEqual({
      principalMinor: 0n,
      interestMinor: 0n,
      feeMinor: 0n,
      refundDueMinor: 372_833n,
    });
  });
});
