import type { EventData } from "../../../contracts/event-codec.ts";
import { invariant, unhandled } from "../decider.ts";
import { prepend } from "../persistent-list.ts";
import type { PersistentMap } from "../persistent-map.ts";
import type { CreditLineEvent } from "./creditline.events.ts";
import {
  type CreditLineState,
  type Installment,
  type Loan,
  type LoanAmounts,
  lessOf,
  totalOf,
} from "./creditline.state.ts";
import type { CreditLineKey } from "./creditline.stream.ts";

type DataOf<Type extends CreditLineEvent["type"]> = EventData<CreditLineEvent, Type>;
type Allocation = DataOf<"RepaymentApplied">["allocations"][number];

export const sameKey = (a: CreditLineKey, b: CreditLineKey) =>
  a.product === b.product && a.userId === b.userId && a.currency === b.currency;

/**
 * Takes amounts off a loan's installments from the last one back, each component up to what is still owed
 * of it; returns the new installments and what it took of each component.
 */
export function reduceFromLatest(
  loan: Loan,
  amounts: LoanAmounts,
): { installments: Installment[]; taken: LoanAmounts } {
  let { principalMinor, interestMinor, feeMinor } = amounts;
  const installments = [...loan.installments];
  for (let n = installments.length - 1; n >= 0; n--) {
    const i = installments[n]!;
    const p = i.principalMinor < principalMinor ? i.principalMinor : principalMinor;
    const r = i.interestMinor < interestMinor ? i.interestMinor : interestMinor;
    const f = i.feeMinor < feeMinor ? i.feeMinor : feeMinor;
    principalMinor -= p;
    interestMinor -= r;
    feeMinor -= f;
    installments[n] = {
      ...i,
      principalMinor: i.principalMinor - p,
      interestMinor: i.interestMinor - r,
      feeMinor: i.feeMinor - f,
    };
  }
  return { installments, taken: lessOf(amounts, { principalMinor, interestMinor, feeMinor }) };
}

/** The credit line after one more event; every event is checked against the line's invariants. */
export function evolve(state: CreditLineState, event: CreditLineEvent): CreditLineState {
  const next = applied(state, event);
  assertLineInvariants(next);
  return next;
}

function applied(state: CreditLineState, event: CreditLineEvent): CreditLineState {
  switch (event.type) {
    case "CreditLimitSet":
      return limitSet(state, event.data);
    case "CreditHeld":
      return heldCredit(state, event.data);
    case "CreditHoldCaptured":
      return closedHold(state, event.data, "captured");
    case "CreditHoldReleased":
      return closedHold(state, event.data, "released");
    case "LoanOpened":
      return openedLoan(state, event.data);
    case "DrawdownOpened":
      return openedDrawdown(state, event.data);
    case "RepaymentApplied":
      return appliedRepayment(state, event.data);
    case "LoanCancelled":
      return cancelledLoan(state, event.data);
    default:
      return unhandled(event);
  }
}

function limitSet(state: CreditLineState, data: DataOf<"CreditLimitSet">): CreditLineState {
  const { product, userId, currency, kind } = data;
  invariant(
    state.key === undefined || sameKey(state.key, { product, userId, currency }),
    "a credit line keeps its product, user and currency",
  );
  invariant(state.kind === undefined || state.kind === kind, "a credit line keeps its kind");
  return {
    ...state,
    open: true,
    key: { product, userId, currency },
    kind,
    totalMinor: data.totalMinor,
    perTenureMinor: new Map(
      data.kind === "instalment" ? data.perTenureMinor.map((t) => [t.tenure, t.limitMinor]) : [],
    ),
  };
}

function heldCredit(state: CreditLineState, data: DataOf<"CreditHeld">): CreditLineState {
  invariant(!state.holds.has(data.transactionId), "a transaction holds credit at most once");
  invariant(
    (state.kind === "instalment") === (data.tenure !== undefined),
    "a hold has a tenure on an instalment line and none on a revolving line",
  );
  return {
    ...state,
    heldMinor: state.heldMinor + data.amountMinor,
    holds: state.holds.with(data.transactionId, {
      amountMinor: data.amountMinor,
      tenure: data.tenure,
      state: "held",
    }),
  };
}

/** A captured hold becomes used credit through the LoanOpened or DrawdownOpened that always follows it. */
function closedHold(
  state: CreditLineState,
  data: DataOf<"CreditHoldCaptured" | "CreditHoldReleased">,
  closedAs: "captured" | "released",
): CreditLineState {
  const hold = state.holds.get(data.transactionId);
  invariant(hold?.state === "held", "a hold is captured or released exactly once");
  return {
    ...state,
    heldMinor: state.heldMinor - hold.amountMinor,
    holds: state.holds.with(data.transactionId, { ...hold, state: closedAs }),
  };
}

function openedLoan(state: CreditLineState, data: DataOf<"LoanOpened">): CreditLineState {
  invariant(state.kind === "instalment", "a loan opens on an instalment line");
  return opened(state, {
    transactionId: data.transactionId,
    tenure: data.tenure,
    openedAt: data.openedAt,
    installments: data.installments,
    uncancelled: {
      principalMinor: data.principalMinor,
      interestMinor: data.interestMinor,
      feeMinor: data.processingFeeMinor,
    },
  });
}

/** A drawdown owes its principal only, in one installment with no due date. */
function openedDrawdown(state: CreditLineState, data: DataOf<"DrawdownOpened">): CreditLineState {
  invariant(state.kind === "revolving", "a drawdown opens on a revolving line");
  const { transactionId, openedAt, principalMinor } = data;
  const owed = { principalMinor, interestMinor: 0n, feeMinor: 0n };
  return opened(state, {
    transactionId,
    tenure: undefined,
    openedAt,
    installments: [{ number: 1, dueDate: undefined, ...owed }],
    uncancelled: owed,
  });
}

/** A captured hold's loan or drawdown opens: its principal is now used. */
function opened(state: CreditLineState, loan: Loan): CreditLineState {
  invariant(!state.loans.has(loan.transactionId), "a transaction opens one loan");
  invariant(state.holds.get(loan.transactionId)?.state === "captured", "a loan opens from a captured hold");
  return {
    ...state,
    usedMinor: state.usedMinor + loan.uncancelled.principalMinor,
    loans: withLoan(state, loan),
  };
}

function appliedRepayment(state: CreditLineState, data: DataOf<"RepaymentApplied">): CreditLineState {
  const recorded: CreditLineState = {
    ...state,
    repaymentIds: prepend(state.repaymentIds, data.repaymentId),
  };
  return data.allocations.reduce(repaidInstallment, recorded);
}

/** One allocation of a repayment: its installment owes that much less, and its principal is no longer used. */
function repaidInstallment(state: CreditLineState, allocation: Allocation): CreditLineState {
  const loan = state.loans.get(allocation.transactionId);
  invariant(loan !== undefined, "a repayment applies to an open loan");
  const installments = loan.installments.map((i) => {
    if (i.number !== allocation.installment) return i;
    const paid = lessOf(i, allocation);
    invariant(
      paid.principalMinor >= 0n && paid.interestMinor >= 0n && paid.feeMinor >= 0n,
      "never repaid beyond what is owed",
    );
    return { ...i, ...paid };
  });
  return {
    ...state,
    usedMinor: state.usedMinor - allocation.principalMinor,
    loans: withLoan(state, { ...loan, installments }),
  };
}

/** What the unpaid installments cannot give back of a cancellation is the refund the decider found due. */
function cancelledLoan(state: CreditLineState, data: DataOf<"LoanCancelled">): CreditLineState {
  const loan = state.loans.get(data.transactionId);
  invariant(loan !== undefined, "a cancellation applies to an open loan");
  const { refundDue, ...cancelled } = data;
  const { installments, taken } = reduceFromLatest(loan, cancelled);
  invariant(
    totalOf(taken) + totalOf(refundDue) === totalOf(cancelled),
    "a cancellation is reduced or refunded, never lost",
  );
  const kept = lessOf(cancelled, refundDue);
  invariant(
    [...Object.values(refundDue), ...Object.values(kept)].every((minor) => minor >= 0n),
    "a refund gives back no more of a component than the cancellation took",
  );
  return {
    ...state,
    usedMinor: state.usedMinor - taken.principalMinor,
    loans: withLoan(state, { ...loan, installments, uncancelled: lessOf(loan.uncancelled, cancelled) }),
    cancellationIds: prepend(state.cancellationIds, data.cancellationId),
    refundDueMinor: state.refundDueMinor + totalOf(refundDue),
  };
}

/** A loan is only ever written here, so checking each one written checks every loan after every event. */
function withLoan(state: CreditLineState, loan: Loan): PersistentMap<string, Loan> {
  invariant(
    loan.uncancelled.principalMinor >= 0n &&
      loan.installments.every((i) => i.principalMinor >= 0n && i.interestMinor >= 0n && i.feeMinor >= 0n),
    "a loan never owes or cancels a negative amount",
  );
  return state.loans.with(loan.transactionId, loan);
}

/**
 * Checked after every event, whatever it was: a line that breaks one is a bug, never bad input. The open
 * holds and the principal owed are summed by the holds' and loans' maps as each is written (heldBy,
 * principalOwedOn), apart from the amounts evolve adds and takes, so the check reads no hold or loan.
 */
function assertLineInvariants(next: CreditLineState): void {
  invariant(next.heldMinor >= 0n && next.usedMinor >= 0n, "held and used are never negative");
  invariant(next.heldMinor + next.usedMinor <= next.totalMinor, "held + used never exceed the limit");
  invariant(next.heldMinor === next.holds.measured, "held credit is exactly the open holds");
  invariant(next.usedMinor === next.loans.measured, "used credit is exactly the principal still owed");
}
