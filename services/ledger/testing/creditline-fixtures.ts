import type { CaptureTerms, CreditLineCommand } from "../creditline/creditline.decider.ts";
import type { CreditLineEvent, Tenure } from "../creditline/creditline.events.ts";
import type { CreditLineState, LoanAmounts } from "../creditline/creditline.state.ts";
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

// ------------------------------------------------------------------------------------- loans and repayments

export type InstallmentData = Extract<
  CreditLineEvent,
  { type: "LoanOpened" }
>["data"]["installments"][number];
export type Allocation = Extract<
  CreditLineEvent,
  { type: "RepaymentApplied" }
>["data"]["allocations"][number];
export const installment = (
  number: number,
  dueDate: string,
  principalMinor: bigint,
  interestMinor: bigint,
  feeMinor: bigint,
): InstallmentData => ({ number, dueDate, principalMinor, interestMinor, feeMinor });
export const loanOpened = (
  transactionId: string,
  tenure: Tenure,
  principalMinor: bigint,
  { kind: _loan, ...charges }: LoanTermsOf,
  installments: InstallmentData[],
): CreditLineEvent => ({
  type: "LoanOpened",
  data: { transactionId, tenure, principalMinor, ...charges, installments },
});
export const repay = (repaymentId: string, amountMinor: bigint, receivedAt = at(10)): CreditLineCommand => ({
  type: "Repay",
  repaymentId,
  amountMinor,
  bankReference: `BANK-${repaymentId}`,
  receivedAt,
});
export const repaid = (
  repaymentId: string,
  amountMinor: bigint,
  allocations: Allocation[],
  receivedAt = at(10),
): CreditLineEvent => ({
  type: "RepaymentApplied",
  data: { repaymentId, receivedAt, amountMinor, bankReference: `BANK-${repaymentId}`, allocations },
});
export const allocation = (
  transactionId: string,
  number: number,
  principalMinor: bigint,
  interestMinor: bigint,
  feeMinor: bigint,
): Allocation => ({ transactionId, installment: number, principalMinor, interestMinor, feeMinor });
export const cancelLoan = (
  transactionId: string,
  principalMinor: bigint,
  interestMinor: bigint,
  feeMinor: bigint,
  cancellationId = "cancel-1",
): CreditLineCommand => ({
  type: "CancelLoan",
  transactionId,
  cancellationId,
  principalMinor,
  interestMinor,
  feeMinor,
});
/** A cancellation of these shares, `refund` of which (by component, none by default) had been repaid. */
export const loanCancelled = (
  transactionId: string,
  principalMinor: bigint,
  interestMinor: bigint,
  feeMinor: bigint,
  refund: Partial<LoanAmounts> = {},
  cancellationId = "cancel-1",
): CreditLineEvent => ({
  type: "LoanCancelled",
  data: {
    transactionId,
    cancellationId,
    principalMinor,
    interestMinor,
    feeMinor,
    refundDue: { principalMinor: 0n, interestMinor: 0n, feeMinor: 0n, ...refund },
  },
});
/** Principal still owed on every loan, summed here rather than by the decider. */
export const principalOwed = (s: CreditLineState): bigint =>
  [...s.loans.values()].flatMap((l) => l.installments).reduce((sum, i) => sum + i.principalMinor, 0n);
