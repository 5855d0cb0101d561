import type { BuyerRule } from "../../ledger/buyer/buyer.decider.ts";
import type { CheckoutRule } from "../../ledger/checkout/checkout.decider.ts";
import type { CreditLineRule } from "../../ledger/creditline/creditline.rules.ts";
import type { MerchantRule } from "../../ledger/merchant/merchant.decider.ts";
import type { TokenizationRule } from "../../ledger/tokenization/tokenization.decider.ts";
import type { UserTokenRule } from "../../ledger/usertoken/usertoken.decider.ts";

/**
 * Rules of the checkout use cases themselves, not of one stream: who may ask, and about what. Each is
 * thrown as a Rejection before any command, so breaking one appends nothing.
 */
export type CheckoutUseCaseRule =
  /** A merchant's call must carry the server_key of an active merchant. */
  | "server_key_must_belong_to_active_merchant"
  /** A transaction_id must name a checkout we initiated. */
  | "transaction_must_be_known"
  /** transaction/status: the transaction_id must name a checkout of the asking merchant. */
  | "transaction_must_be_known_to_merchant"
  /** transaction/cancel: the (transaction_id, order_id) pair must name a checkout of the asking merchant. */
  | "transaction_must_match_merchant_order"
  /** checkout/update: the signature_key must be the one our push carried. */
  | "signature_key_must_match_push"
  /** loan/calculator: tenures of 3, 6 and 12 months need the installment minimum, as at checkout/init. */
  | "loan_amount_must_meet_tenure_minimum"
  /** checkout/init offline: the dealer_code must be one of the merchant's registered dealers. */
  | "dealer_code_must_be_registered"
  /** checkout/init offline: expiry_time must be later than now. */
  | "expiry_time_must_be_in_the_future"
  /** checkout/<id>/abort: the id, dealer_code and order_id must name one offline checkout of the merchant. */
  | "abort_must_name_an_offline_checkout_of_the_dealer"
  /** get_credit_details: the user_token must be an active token of the asking merchant. */
  | "user_token_must_be_active_for_merchant"
  /** user/tokenize/init: signature_key must be sha1 of the request's server_key, client_user_key, callback_url. */
  | "tokenize_signature_key_must_match"
  /** user/tokenize/init: the client_user_key must not already have an active token with this merchant. */
  | "client_user_key_must_not_be_tokenized"
  /** The tokenization page: the link must name a tokenization we started. */
  | "tokenization_must_be_known";

/** Every rule a checkout use case can be refused by, whichever stream or use case names it. */
export type CheckoutContextRule =
  | CheckoutRule
  | MerchantRule
  | BuyerRule
  | CreditLineRule
  | UserTokenRule
  | TokenizationRule
  | CheckoutUseCaseRule;

/** Whether a rejection's rule, a plain string at run time, is one a table of rules has a row for. */
export function isRuleOf<Rule extends string>(
  table: Readonly<Partial<Record<Rule, unknown>>>,
  rule: string,
): rule is Rule {
  return Object.hasOwn(table, rule);
}
