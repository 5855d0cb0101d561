import { describe, expect, it } from "vitest";
import { checkoutErrorBodySchema } from "../../contracts/checkout/errors.ts";
import { Rejection } from "../ledger/decider.ts";
import { KREDIVO_CODES, kredivoRefusal } from "./kredivo-codes.ts";

const BAD_REQUEST = "Bad request, please check your request.";
const TX = "9ce1596f-bd4e-4fa2-b49f-3537de3f4128";

const bodyOf = (rule: string, detail: Record<string, unknown> = {}) =>
  kredivoRefusal(new Rejection(rule, detail)).reply.body;

describe("KREDIVO_CODES: a refusal in the seed's words", () => {
  it.each([
    ["server_key_must_belong_to_active_merchant", {}, { status: 2012, message: "Invalid Merchant" }],
    [
      "transaction_must_be_known",
      { transactionId: TX },
      { status: 1002, message: BAD_REQUEST, error: { message: `transaction_id ${TX} is unknown` } },
    ],
    [
      "transaction_must_be_known_to_merchant",
      { transactionId: TX },
      {
        status: 1002,
        message: BAD_REQUEST,
        error: { message: `transaction_id ${TX} is unknown to this merchant` },
      },
    ],
    [
      "transaction_must_match_merchant_order",
      { transactionId: TX, orderId: "KD1" },
      { status: 2018, message: "Invalid transaction token" },
    ],
    [
      "signature_key_must_match_push",
      {},
      {
        status: 1002,
        message: BAD_REQUEST,
        error: { message: "signature_key does not match the one sent in the push notification" },
      },
    ],
    [
      "loan_amount_must_meet_tenure_minimum",
      { minimumMinor: 700_000n, tenure: 3 },
      {
        status: 1002,
        message: BAD_REQUEST,
        error: { message: "amount: tenures of 3, 6 and 12 months need an amount of at least 700000" },
      },
    ],
    [
      "amount_must_meet_tenure_minimum",
      { minimumMinor: 700_000n, tenure: 3 },
      {
        status: 1002,
        message: BAD_REQUEST,
        error: {
          message:
            "amount_must_meet_tenure_minimum: tenures of 3, 6 and 12 months need an amount of at least 700000",
        },
      },
    ],
    [
      "amount_must_equal_items_total",
      { itemsTotalMinor: 6_505_000n, amountMinor: 6_505_001n },
      {
        status: 1002,
        message: BAD_REQUEST,
        error: {
          message:
            "amount_must_equal_items_total: amount must equal the items' total (price × quantity, discounts subtracted): 6505000",
        },
      },
    ],
    ["transaction_must_exist", {}, { status: 2018, message: "Invalid transaction token" }],
    ["cancel_amount_must_be_positive", {}, { status: 2011, message: "Field amount is negative." }],
    [
      "transaction_already_cancelled",
      {},
      { status: 2016, message: "Loan is already cancelled. Cannot cancel" },
    ],
    [
      "transaction_must_be_settled",
      {},
      { status: 2015, message: "Transaction is not settled. Cannot cancel" },
    ],
    [
      "cancellation_window_must_be_open",
      {},
      { status: 2017, message: "You can't cancel the transactions that was created more than 20 days" },
    ],
    [
      "cancel_amount_must_not_exceed_remaining",
      { transactionId: TX, amountMinor: 700_001n, remainingMinor: 700_000n },
      { status: 2013, message: `Transaction id ${TX} amount cancel 700001 different with co amount 700000` },
    ],
  ])("%s", (rule, detail, body) => {
    expect(bodyOf(rule, detail)).toEqual(body);
  });

  it("a rule no merchant's request breaks is a named 1002", () => {
    expect(bodyOf("session_must_be_signed_in")).toEqual({
      status: 1002,
      message: BAD_REQUEST,
      error: { message: "session_must_be_signed_in: request not allowed in the transaction's state" },
    });
  });

  it("a rule of no table (another context's) is a named 1002 too", () => {
    expect(bodyOf("invoice_must_be_uploaded")).toEqual({
      status: 1002,
      message: BAD_REQUEST,
      error: { message: "invoice_must_be_uploaded: request not allowed in the transaction's state" },
    });
  });

  it("says what was wrong for the log also where the seed's message stands alone", () => {
    const refusal = kredivoRefusal(new Rejection("transaction_already_cancelled"));
    expect(refusal.detail).toBe("transaction_already_cancelled: the transaction is fully cancelled");
    expect(refusal.reply.body).not.toHaveProperty("error");
  });

  it("every row answers HTTP 200 with a seed envelope, its template filled", () => {
    const detail = {
      transactionId: TX,
      orderId: "KD1",
      amountMinor: 2n,
      remainingMinor: 1n,
      minimumMinor: 1n,
    };
    for (const rule of Object.keys(KREDIVO_CODES)) {
      const { reply } = kredivoRefusal(new Rejection(rule, detail));
      expect(reply.httpStatus, rule).toBe(200);
      expect(checkoutErrorBodySchema.parse(reply.body), rule).toEqual(reply.body);
      expect(reply.body.message, rule).not.toContain("{}");
    }
  });
});
