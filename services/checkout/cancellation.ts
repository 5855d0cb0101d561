import type { CheckoutFailureCode } from "../../contracts/checkout/errors.ts";
import { money, renderDecimal } from "../../contracts/money.ts";
import type { Rejection } from "../ledger/decider.ts";
import { CheckoutFailure } from "./checkout-failure.ts";

// POST /transaction/cancel ("Cancel Transaction", seed 001): how the checkout decider's Cancel rules answer
// on the wire. The ONE table of rule → seed code, in the decider's precedence order (checkout.decider.ts
// cancel()): when a request breaks several rules, the first one listed here is the one answered.
//
// Before the decider runs, the route and the use case refuse, in this order:
//   the body's schema (contracts/checkout/cancel.ts): a missing or malformed field → 1002; a negative or zero
//     amount → 2011 (so cancel_amount_must_be_positive is answered there, before the transaction is looked up);
//   server_key of no active merchant → 2012;
//   a transaction_id that is unknown, another merchant's, or whose order_id is not the one sent → 2018.
//     order_id: the seed requires it but gives no code for a mismatch. We answer 2018 ("Invalid transaction
//     token"), not 1002: the pair (transaction_id, order_id) names no transaction of this merchant, which is
//     exactly what 2018 means to a merchant, and the seed's cancel table has no 1002.

export interface CancelRule {
  /** The decider's rule name (Rejection.rule). */
  readonly rule: string;
  readonly code: CheckoutFailureCode;
  /** What the merchant did wrong, in the seed's words where it has them. */
  readonly meaning: string;
}

export const CANCEL_RULE_CODES: readonly CancelRule[] = [
  { rule: "transaction_must_exist", code: 2018, meaning: "unknown transaction_id" },
  { rule: "cancel_amount_must_be_positive", code: 2011, meaning: "amount is zero or negative" },
  { rule: "transaction_already_cancelled", code: 2016, meaning: "the transaction is fully cancelled" },
  { rule: "transaction_must_be_settled", code: 2015, meaning: "the transaction is not in settle status" },
  {
    rule: "cancellation_window_must_be_open",
    code: 2017,
    meaning: "settled more than 20 days ago",
  },
  {
    rule: "cancel_amount_must_not_exceed_remaining",
    code: 2013,
    meaning: "amount above what is left to cancel",
  },
];

const BY_RULE: ReadonlyMap<string, CancelRule> = new Map(CANCEL_RULE_CODES.map((r) => [r.rule, r]));

const vnd = (value: unknown): string =>
  typeof value === "bigint" ? renderDecimal(money(value, "VND")) : String(value);

/**
 * The seed's answer to a Cancel rejection. 2013 fills its template "Transaction id {} amount cancel {}
 * different with co amount {}" with the transaction id, the amount asked and the amount still cancellable
 * (the checked-out amount less earlier partial cancellations: on a first cancellation the two are equal).
 * A rule missing from the table is not a merchant's mistake we know of: 1002 with the rule.
 */
export function cancelFailure(rejection: Rejection, transactionId: string): CheckoutFailure {
  const entry = BY_RULE.get(rejection.rule);
  if (entry === undefined) {
    return new CheckoutFailure(1002, `${rejection.rule}: request not allowed in the transaction's state`);
  }
  const params =
    entry.code === 2013
      ? [transactionId, vnd(rejection.detail.amountMinor), vnd(rejection.detail.remainingMinor)]
      : [];
  return new CheckoutFailure(entry.code, `${rejection.rule}: ${entry.meaning}`, params);
}
