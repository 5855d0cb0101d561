import {
  type CheckoutErrorReply,
  type CheckoutFailureCode,
  checkoutError,
} from "../../contracts/checkout/errors.ts";
import { money, renderDecimal } from "../../contracts/money.ts";
import type { Rejection } from "../ledger/decider.ts";
import { type CheckoutContextRule, isRuleOf } from "./use-cases/rules.ts";

// The ONE table of how the use cases' refusals answer on /kredivo (seed 001 "API Error Code"): rule → the
// seed's code, and the detail that says how to fix it. The code fixes the seed's message and the HTTP status
// (contracts/checkout/errors.ts: 200 for every coded outcome). A 1002 sends the detail as error.message,
// since its seed message is generic; the other codes' seed messages say it themselves, so their detail is
// only logged. Typed over every rule the checkout context can be refused by: a new rule fails to compile
// until it has a row here.
//
// Before any use case runs, the error contract (error-contract.ts) refuses a malformed body or field with
// 1002 (cancel's negative or zero amount with 2011). Within a use case, the first rule broken is the one
// answered: transaction/cancel checks server_key (2012), then the (transaction_id, order_id) pair (2018),
// then the decider's CANCEL_RULES in their order.

type Detail = Rejection["detail"];

export interface KredivoAnswer {
  readonly code: CheckoutFailureCode;
  /** What was wrong and how to fix it, from the rule's name and the rejection's detail. */
  readonly detail: (rule: string, detail: Detail) => string;
  /** The values of the `{}` placeholders of the code's seed message, in order (2013's template). */
  readonly params?: (detail: Detail) => readonly string[];
}

/** A rule of a decider: the detail is `<rule>: <how to fix it>`. */
const broke = (code: CheckoutFailureCode, fix: string | ((detail: Detail) => string)): KredivoAnswer => ({
  code,
  detail: (rule, detail) => `${rule}: ${typeof fix === "string" ? fix : fix(detail)}`,
});

/** A rule of the use cases: the detail names the field or the value at fault first. */
const names = (code: CheckoutFailureCode, text: (detail: Detail) => string): KredivoAnswer => ({
  code,
  detail: (_rule, detail) => text(detail),
});

/** A rule no merchant's request breaks in a state we know of (the buyer's, the timers', other streams'). */
const NOT_ALLOWED = broke(1002, "request not allowed in the transaction's state");

const text = (value: unknown): string =>
  typeof value === "bigint" ? renderDecimal(money(value, "VND")) : String(value);

const tenureMinimum = (detail: Detail) =>
  `tenures of 3, 6 and 12 months need an amount of at least ${text(detail.minimumMinor)}`;

export const KREDIVO_CODES: Readonly<Record<CheckoutContextRule, KredivoAnswer>> = {
  // Who asks, and about what (use-cases/rules.ts)
  server_key_must_belong_to_active_merchant: names(
    2012,
    () => "server_key does not belong to an active merchant",
  ),
  transaction_must_be_known: names(1002, (d) => `transaction_id ${text(d.transactionId)} is unknown`),
  transaction_must_be_known_to_merchant: names(
    1002,
    (d) => `transaction_id ${text(d.transactionId)} is unknown to this merchant`,
  ),
  // The seed requires cancel's order_id but gives no code for a mismatch: 2018 ("Invalid transaction
  // token"), not 1002, since the pair names no transaction of this merchant, which is exactly what 2018
  // means to a merchant, and the seed's cancel table has no 1002.
  transaction_must_match_merchant_order: names(
    2018,
    (d) =>
      `transaction_id ${text(d.transactionId)} with order_id ${text(d.orderId)} is no transaction of this merchant`,
  ),
  signature_key_must_match_push: names(
    1002,
    () => "signature_key does not match the one sent in the push notification",
  ),
  loan_amount_must_meet_tenure_minimum: names(1002, (d) => `amount: ${tenureMinimum(d)}`),
  dealer_code_must_be_registered: names(
    1002,
    (d) => `dealer_code: ${text(d.dealerCode)} is not a registered dealer of this merchant`,
  ),
  expiry_time_must_be_in_the_future: names(
    1002,
    (d) => `expiry_time: must be later than now (${text(d.nowSeconds)}); leave it out for 24 hours`,
  ),
  // The seed's 2001 is this very check: "The given dealer code, transaction_id, dealer_code, or server_key is
  // invalid" (an unknown server_key is 2012 all the same, as the seed's abort table lists it).
  abort_must_name_an_offline_checkout_of_the_dealer: names(
    2001,
    (d) =>
      `transaction_id ${text(d.transactionId)} with dealer_code ${text(d.dealerCode)} and order_id ${text(d.orderId)} is no offline transaction of this merchant`,
  ),
  // get_credit_details and user/tokenize/init (seed "Get User Credit Details", "Tokenize Kredivo Account")
  user_token_must_be_active_for_merchant: names(
    1002,
    () => "user_token is unknown, revoked or not a token of this merchant",
  ),
  tokenize_signature_key_must_match: names(
    2030,
    () => "signature_key must be sha1(server_key=…&client_user_key=…&callback_url=…) of this request",
  ),
  client_user_key_must_not_be_tokenized: names(
    2009,
    () => "client_user_key already has an active user_token",
  ),

  // checkout/init (Initiate), in precedence order
  order_id_must_be_unique: broke(
    1002,
    "order_id was already used for a different checkout; send a new order_id",
  ),
  amount_must_be_positive: broke(1002, "amount must be greater than 0"),
  amount_must_equal_items_total: broke(
    1002,
    (d) =>
      `amount must equal the items' total (price × quantity, discounts subtracted): ${text(d.itemsTotalMinor)}`,
  ),
  amount_must_meet_tenure_minimum: broke(1002, tenureMinimum),

  // checkout/update (Settle, Fail)
  transaction_already_failed: broke(
    1002,
    "the transaction has already failed (not confirmed in time or reported failed); start a new checkout",
  ),
  transaction_already_settled: broke(1002, "the transaction is already settled"),
  transaction_must_be_pending: broke(
    1002,
    "the transaction is not waiting for confirmation; confirm only after a pending push",
  ),
  confirmation_window_must_be_open: broke(
    1002,
    "the confirmation came after the confirmation deadline; the transaction fails and the buyer's credit is released",
  ),
  expiry_must_not_have_passed: broke(
    1002,
    "the transaction reached its expiry before the confirmation; it expires and the buyer's credit is released",
  ),

  // checkout/<id>/abort (Abort by the merchant), in the decider's precedence order (ABORT_RULES, after
  // transaction_must_exist, which the use case's 2001 check answers first)
  transaction_already_expired: broke(2043, "the transaction reached its expiry"),
  abort_must_precede_settlement: broke(
    2046,
    (d) => `the transaction is ${text(d.phase)}; a settled one is cancelled with transaction/cancel`,
  ),

  // transaction/cancel (Cancel), in the decider's precedence order (CANCEL_RULES)
  transaction_must_exist: broke(2018, "unknown transaction_id"),
  cancel_amount_must_be_positive: broke(2011, "amount is zero or negative"),
  transaction_already_cancelled: broke(2016, "the transaction is fully cancelled"),
  transaction_must_be_settled: broke(2015, "the transaction is not in settle status"),
  cancellation_window_must_be_open: broke(2017, "settled more than 20 days ago"),
  // "Transaction id {} amount cancel {} different with co amount {}": the amount still cancellable is the
  // checked-out amount less earlier partial cancellations (on a first cancellation the two are equal).
  cancel_amount_must_not_exceed_remaining: {
    ...broke(2013, "amount above what is left to cancel"),
    params: (d) => [text(d.transactionId), text(d.amountMinor), text(d.remainingMinor)],
  },

  // The buyer's steps (the hosted page answers them), the timers and the payout reactor
  checkout_must_await_buyer: NOT_ALLOWED,
  session_must_be_signed_in: NOT_ALLOWED,
  checkout_step_out_of_order: NOT_ALLOWED,
  confirmation_window_must_have_passed: NOT_ALLOWED,
  transaction_already_paid: NOT_ALLOWED,
  checkout_must_await_otp_challenge: NOT_ALLOWED,
  tokenization_must_be_requested: NOT_ALLOWED,
  transaction_must_be_settled_to_tokenize: NOT_ALLOWED,

  // The user token's own rules: checkout/init falls back to 2-click on these (never answered as an error)
  user_token_must_be_issued_once: NOT_ALLOWED,
  user_token_must_exist: NOT_ALLOWED,
  user_token_must_belong_to_merchant: NOT_ALLOWED,
  client_user_key_must_match_user_token: NOT_ALLOWED,
  user_token_must_be_active: NOT_ALLOWED,
  zero_click_checkout_must_be_flagged: NOT_ALLOWED,

  // The tokenization page's steps (the page answers them; no merchant call breaks them)
  tokenization_must_be_known: NOT_ALLOWED,
  tokenization_must_be_requested_once: NOT_ALLOWED,
  tokenization_must_exist: NOT_ALLOWED,
  tokenization_must_await_buyer: NOT_ALLOWED,
  tokenization_link_must_not_be_expired: NOT_ALLOWED,
  tokenization_session_must_be_signed_in: NOT_ALLOWED,
  tokenization_step_out_of_order: NOT_ALLOWED,

  // Registrations and payouts (sandbox seeding, /v1), and the credit line (the approval, the reactors)
  merchant_must_not_be_registered_twice: NOT_ALLOWED,
  merchant_must_exist: NOT_ALLOWED,
  overlap_must_not_be_negative: NOT_ALLOWED,
  payout_amount_must_be_positive: NOT_ALLOWED,
  payout_must_match_its_parts: NOT_ALLOWED,
  payout_must_cover_transactions: NOT_ALLOWED,
  buyer_must_not_be_registered_twice: NOT_ALLOWED,
  buyer_must_exist: NOT_ALLOWED,
  buyer_must_not_be_closed: NOT_ALLOWED,
  pin_link_must_be_valid: NOT_ALLOWED,
  buyer_must_have_nothing_outstanding: NOT_ALLOWED,
  limit_must_not_be_negative: NOT_ALLOWED,
  tenure_limit_must_be_within_total: NOT_ALLOWED,
  credit_line_must_keep_its_key: NOT_ALLOWED,
  credit_line_must_keep_its_kind: NOT_ALLOWED,
  limit_must_cover_outstanding: NOT_ALLOWED,
  credit_line_must_be_open: NOT_ALLOWED,
  hold_must_not_be_closed: NOT_ALLOWED,
  hold_must_keep_its_tenure: NOT_ALLOWED,
  buyer_must_not_have_overdue_debt: NOT_ALLOWED,
  tenure_must_be_offered: NOT_ALLOWED,
  credit_limit_must_cover_amount: NOT_ALLOWED,
  hold_must_exist: NOT_ALLOWED,
  hold_must_be_open: NOT_ALLOWED,
  capture_terms_must_match_the_line: NOT_ALLOWED,
  repayment_amount_must_be_positive: NOT_ALLOWED,
  repayment_must_not_exceed_outstanding: NOT_ALLOWED,
  loan_must_exist: NOT_ALLOWED,
  loan_cancellation_must_not_exceed_loan: NOT_ALLOWED,
};

export interface KredivoRefusal {
  readonly reply: CheckoutErrorReply;
  /** What was wrong and how to fix it, for the log (and error.message of a 1002). */
  readonly detail: string;
}

/** A use case's refusal in the seed's words. A rule of no table (another context's) is a named 1002. */
export function kredivoRefusal(rejection: Rejection): KredivoRefusal {
  const answer = isRuleOf(KREDIVO_CODES, rejection.rule) ? KREDIVO_CODES[rejection.rule] : NOT_ALLOWED;
  const detail = answer.detail(rejection.rule, rejection.detail);
  const params = answer.params?.(rejection.detail) ?? [];
  return { reply: checkoutError(answer.code, answer.code === 1002 ? detail : undefined, params), detail };
}
