import type { FastifyReply } from "fastify";
import { Rejection } from "../../ledger/decider.ts";
import { type CheckoutContextRule, isRuleOf } from "../use-cases/rules.ts";
import type { HostedPage } from "./browser.ts";
import type { Lang, Messages } from "./i18n.ts";
import { toPage } from "./respond.ts";

// The ONE table of how the hosted page answers the use cases' refusals, in its own words (i18n.ts). Typed
// over every rule the checkout context can be refused by, as /kredivo's table is (kredivo-codes.ts): a new
// rule fails to compile until the page knows what to do with it.

/** A key of the page's words that is plain text. */
type Words = { [K in keyof Messages]: Messages[K] extends string ? K : never }[keyof Messages];

/** A page of its own, without the order. */
export interface MessageAnswer {
  readonly show: "message";
  readonly status: number;
  readonly heading: Words;
  readonly body: Words;
  readonly kind: string;
}

export type PageAnswer =
  /** The browser is not at the step it thinks (another tab, the back button): show the checkout's step. */
  | { readonly show: "current_step" }
  /** The buyer's choice on the summary cannot be had: the summary again, saying so. */
  | { readonly show: "summary"; readonly status: number; readonly error: Words }
  | MessageAnswer;

const CURRENT_STEP: PageAnswer = { show: "current_step" };
const NOT_FOUND: MessageAnswer = {
  show: "message",
  status: 404,
  heading: "notFoundHeading",
  body: "notFoundBody",
  kind: "not-found",
};
/** A refusal no step of the buyer's can cause is a fault of ours. */
export const FAULT: MessageAnswer = {
  show: "message",
  status: 500,
  heading: "errorHeading",
  body: "errorBody",
  kind: "error",
};

export const PAGE_ANSWERS: Readonly<Record<CheckoutContextRule, PageAnswer>> = {
  // The link names no checkout.
  transaction_must_be_known: NOT_FOUND,
  // The buyer's steps, taken out of turn.
  transaction_must_exist: CURRENT_STEP,
  checkout_must_await_buyer: CURRENT_STEP,
  session_must_be_signed_in: CURRENT_STEP,
  checkout_step_out_of_order: CURRENT_STEP,
  checkout_must_await_otp_challenge: CURRENT_STEP,
  // Approve past the expiry, before the timer fired (within TIMER_SWEEP_MS): the page shows the step the
  // checkout is at, which is its expired outcome as soon as the timer has fired.
  expiry_must_not_have_passed: CURRENT_STEP,
  // Approve with a tenure the order is too small for, or another than the one already held for it (a
  // retry after a crash between the hold and Pending): nothing changes, the buyer chooses again.
  amount_must_meet_tenure_minimum: { show: "summary", status: 422, error: "tenureNotAllowed" },
  hold_must_keep_its_tenure: { show: "summary", status: 422, error: "tenureNotAllowed" },
  // The merchant's calls, the timers, payouts, registrations; a credit line's refusal of the hold is no
  // refusal of the step but the reason the checkout is denied (an outcome page).
  order_id_must_be_unique: FAULT,
  amount_must_be_positive: FAULT,
  amount_must_equal_items_total: FAULT,
  transaction_already_failed: FAULT,
  transaction_already_settled: FAULT,
  transaction_must_be_pending: FAULT,
  confirmation_window_must_be_open: FAULT,
  confirmation_window_must_have_passed: FAULT,
  transaction_already_expired: FAULT,
  abort_must_precede_settlement: FAULT,
  dealer_code_must_be_registered: FAULT,
  expiry_time_must_be_in_the_future: FAULT,
  abort_must_name_an_offline_checkout_of_the_dealer: FAULT,
  cancel_amount_must_be_positive: FAULT,
  transaction_already_cancelled: FAULT,
  transaction_must_be_settled: FAULT,
  cancellation_window_must_be_open: FAULT,
  cancel_amount_must_not_exceed_remaining: FAULT,
  transaction_already_paid: FAULT,
  server_key_must_belong_to_active_merchant: FAULT,
  transaction_must_be_known_to_merchant: FAULT,
  transaction_must_match_merchant_order: FAULT,
  signature_key_must_match_push: FAULT,
  loan_amount_must_meet_tenure_minimum: FAULT,
  merchant_must_not_be_registered_twice: FAULT,
  merchant_must_exist: FAULT,
  overlap_must_not_be_negative: FAULT,
  payout_amount_must_be_positive: FAULT,
  payout_must_match_its_parts: FAULT,
  payout_must_cover_transactions: FAULT,
  buyer_must_not_be_registered_twice: FAULT,
  buyer_must_exist: FAULT,
  buyer_must_not_be_closed: FAULT,
  pin_link_must_be_valid: FAULT,
  buyer_must_have_nothing_outstanding: FAULT,
  limit_must_not_be_negative: FAULT,
  tenure_limit_must_be_within_total: FAULT,
  credit_line_must_keep_its_key: FAULT,
  credit_line_must_keep_its_kind: FAULT,
  limit_must_cover_outstanding: FAULT,
  credit_line_must_be_open: FAULT,
  hold_must_not_be_closed: FAULT,
  buyer_must_not_have_overdue_debt: FAULT,
  tenure_must_be_offered: FAULT,
  credit_limit_must_cover_amount: FAULT,
  hold_must_exist: FAULT,
  hold_must_be_open: FAULT,
  capture_terms_must_match_the_line: FAULT,
  repayment_amount_must_be_positive: FAULT,
  repayment_must_not_exceed_outstanding: FAULT,
  loan_must_exist: FAULT,
  loan_cancellation_must_not_exceed_loan: FAULT,
  tokenization_must_be_requested: FAULT,
  transaction_must_be_settled_to_tokenize: FAULT,
  user_token_must_be_issued_once: FAULT,
  user_token_must_exist: FAULT,
  user_token_must_belong_to_merchant: FAULT,
  client_user_key_must_match_user_token: FAULT,
  user_token_must_be_active: FAULT,
  zero_click_checkout_must_be_flagged: FAULT,
  user_token_must_be_active_for_merchant: FAULT,
  tokenize_signature_key_must_match: FAULT,
  client_user_key_must_not_be_tokenized: FAULT,
  // The tokenization page: an unknown link, a step out of turn (the page shows where it is), an old link.
  tokenization_must_be_known: NOT_FOUND,
  tokenization_must_exist: NOT_FOUND,
  tokenization_must_await_buyer: CURRENT_STEP,
  tokenization_session_must_be_signed_in: CURRENT_STEP,
  tokenization_step_out_of_order: CURRENT_STEP,
  tokenization_link_must_not_be_expired: {
    show: "message",
    status: 410,
    heading: "tokenizeExpiredHeading",
    body: "tokenizeExpiredBody",
    kind: "expired",
  },
  tokenization_must_be_requested_once: FAULT,
};

/** The page's answer to an error: undefined when it is no refusal (the error handler's to answer). */
export function pageAnswer(error: unknown): PageAnswer | undefined {
  if (!(error instanceof Rejection)) return undefined;
  return isRuleOf(PAGE_ANSWERS, error.rule) ? PAGE_ANSWERS[error.rule] : FAULT;
}

/** A refusal for a step taken out of turn shows the checkout's current step; any other error goes on. */
export function currentStepOr(
  error: unknown,
  reply: FastifyReply,
  page: HostedPage,
  tx: string,
  language: Lang,
): FastifyReply {
  if (pageAnswer(error)?.show === "current_step") return toPage(reply, page, tx, language);
  throw error;
}
