import type { CaptureTerms, CreditLineCommand } from "../creditline/creditline.decider.ts";
import type { CreditLineEvent, Tenure } from "../creditline/creditline.events.ts";
import { kredivoLine } from "../creditline/creditline.stream.ts";
import { at, testMeta } from "./decider-spec.ts";

// Builders of the credit line decider's tests: the Kredivo VND instalment line of user-1, its events and
// its commands.

export const limitSet = (
  totalMinor: bigint,
  perTenureMinor: { tenure: Tenure; limitMinor: bigint }[],
  reason = "onboarding",
): CreditLineEvent => ({
  type: "CreditLimitSet",
  data: {
    product: "kredivo",
    userId: "user-1",
    currency: "VND",
    kind: "instalment",
    totalMinor,
    perTenureMinor,
    setBy: testMeta.actor,
    reason,
  },
});
export const held = (transactionId: string, amountMinor: bigint, tenure: Tenure): CreditLineEvent => ({
  type: "CreditHeld",
  data: { transactionId, amountMinor, tenure },
});
export const captured = (transactionId: string, amountMinor: bigint, tenure: Tenure): CreditLineEvent => ({
  type: "CreditHoldCaptured",
  data: { transactionId, amountMinor, tenure },
});
export const released = (
  transactionId: string,
  amountMinor: bigint,
  tenure: Tenure,
  reason = "aborted",
): CreditLineEvent => ({ type: "CreditHoldReleased", data: { transactionId, amountMinor, tenure, reason } });

export const setLimit = (
  totalMinor: bigint,
  perTenureMinor: { tenure: Tenure; limitMinor: bigint }[],
  reason = "onboarding",
): CreditLineCommand => ({
  type: "SetLimit",
  line: kredivoLine("user-1"),
  limit: { kind: "instalment", totalMinor, perTenureMinor },
  reason,
});
export const placeHold = (transactionId: string, amountMinor: bigint, tenure: Tenure): CreditLineCommand => ({
  type: "PlaceHold",
  transactionId,
  amountMinor,
  tenure,
});
export type LoanTermsOf = Extract<CaptureTerms, { kind: "loan" }>;
export const T0 = testMeta.now; // 2026-11-27T10:00:00.000Z
export { at };
/** The settlement's terms a capture turns into a loan. */
export const loanOf = (openedAt = T0, interestMinor = 0n, processingFeeMinor = 0n): LoanTermsOf => ({
  kind: "loan",
  merchantId: "merchant-1",
  openedAt,
  interestMinor,
  processingFeeMinor,
});
export const capture = (transactionId: string, terms: LoanTermsOf = loanOf()): CreditLineCommand => ({
  type: "CaptureHold",
  transactionId,
  terms,
});
export const release = (transactionId: string, reason = "aborted"): CreditLineCommand => ({
  type: "ReleaseHold",
  transactionId,
  reason,
});
