import { Rejection } from "../decider.ts";

/**
 * Every rule the credit line refuses a command by, per command in precedence order: when a command breaks
 * several, it is refused by the first. The decider's tests walk each list in this order.
 */
export const CREDIT_LINE_RULES = {
  SetLimit: [
    "limit_must_not_be_negative",
    "tenure_limit_must_be_within_total",
    "credit_line_must_keep_its_key",
    "credit_line_must_keep_its_kind",
    "limit_must_cover_outstanding",
  ],
  PlaceHold: [
    "amount_must_be_positive",
    "credit_line_must_be_open",
    "hold_must_not_be_closed",
    "hold_must_keep_its_tenure",
    "buyer_must_not_have_overdue_debt",
    "tenure_must_be_offered",
    "credit_limit_must_cover_amount",
  ],
  CaptureHold: ["hold_must_exist", "hold_must_be_open", "capture_terms_must_match_the_line"],
  ReleaseHold: ["hold_must_exist", "hold_must_be_open"],
  Repay: ["repayment_amount_must_be_positive", "repayment_must_not_exceed_outstanding"],
  CancelLoan: ["loan_must_exist", "loan_cancellation_must_not_exceed_loan"],
} as const;

type Rules = typeof CREDIT_LINE_RULES;
export type CreditLineRule = Rules[keyof Rules][number];
export type PlaceHoldRule = Rules["PlaceHold"][number];
export type RepayRule = Rules["Repay"][number];

/** A credit line's refusal: its rule is one of CREDIT_LINE_RULES, so an edge can compare it exactly. */
export class CreditLineRejection extends Rejection<CreditLineRule> {}
