import { type Decider, invariant, Rejection, unhandled } from "../decider.ts";
import type { CreditLineEvent, Tenure } from "./creditline.events.ts";

export type CreditLineCommand =
  | {
      readonly type: "SetLimit";
      readonly userId: string;
      readonly totalMinor: bigint;
      readonly perTenureMinor: readonly { tenure: Tenure; limitMinor: bigint }[];
      readonly reason: string;
    }
  | {
      readonly type: "PlaceHold";
      readonly transactionId: string;
      readonly amountMinor: bigint;
      readonly tenure: Tenure;
    }
  | {
      readonly type: "CaptureHold";
      readonly transactionId: string;
      /** The settlement's terms: the captured hold becomes this loan. */
      readonly loan: Omit<LoanOpenedData, "installments" | "transactionId" | "principalMinor" | "tenure">;
    }
  | {
      readonly type: "Repay";
      readonly repaymentId: string;
      readonly amountMinor: bigint;
      readonly bankReference: string;
      readonly receivedAt: string;
    }
  | {
      readonly type: "CancelLoan";
      readonly transactionId: string;
      readonly cancellationId: string;
      readonly principalMinor: bigint;
      readonly interestMinor: bigint;
      readonly feeMinor: bigint;
    }
  | { readonly type: "ReleaseHold"; readonly transactionId: string; readonly reason: string };

export type HoldState = "held" | "captured" | "released";

type LoanOpenedData = Extract<CreditLineEvent, { type: "LoanOpened" }>["data"];

/** What is still owed on one installment. */
export interface Installment {
  readonly number: number;
  readonly dueDate: string;
  readonly principalMinor: bigint;
  readonly interestMinor: bigint;
  readonly feeMinor: bigint;
}

export interface Loan {
  readonly transactionId: string;
  readonly tenure: Tenure;
  readonly openedAt: string;
  readonly installments: readonly Installment[];
  /** What cancellations may still take back: the loan's amounts less what was cancelled already. */
  readonly uncancelled: LoanAmounts;
}

export interface LoanAmounts {
  readonly principalMinor: bigint;
  readonly interestMinor: bigint;
  readonly feeMinor: bigint;
}

/** Installments are due every 30 days from settlement. */
export const INSTALLMENT_DAYS = 30;

export interface Hold {
  readonly amountMinor: bigint;
  readonly tenure: Tenure;
  readonly state: HoldState;
}

export interface CreditLineState {
  readonly open: boolean;
  readonly totalMinor: bigint;
  readonly perTenureMinor: ReadonlyMap<Tenure, bigint>;
  readonly heldMinor: bigint;
  readonly usedMinor: bigint;
  readonly holds: ReadonlyMap<string, Hold>;
  /** Open loans in the order they were opened: repayments apply oldest first. */
  readonly loans: ReadonlyMap<string, Loan>;
  readonly repaymentIds: ReadonlySet<string>;
  readonly cancellationIds: ReadonlySet<string>;
  /** Repaid amounts that a later cancellation took back: owed to the buyer. */
  readonly refundDueMinor: bigint;
}

export const initialCreditLine: CreditLineState = {
  open: false,
  totalMinor: 0n,
  perTenureMinor: new Map(),
  heldMinor: 0n,
  usedMinor: 0n,
  holds: new Map(),
  loans: new Map(),
  repaymentIds: new Set(),
  cancellationIds: new Set(),
  refundDueMinor: 0n,
};

const owed = (i: Installment) => i.principalMinor + i.interestMinor + i.feeMinor;

export function outstandingMinor(state: CreditLineState): bigint {
  let sum = 0n;
  for (const loan of state.loans.values()) for (const i of loan.installments) sum += owed(i);
  return sum;
}

function outstandingPrincipal(state: CreditLineState): bigint {
  let sum = 0n;
  for (const loan of state.loans.values()) for (const i of loan.installments) sum += i.principalMinor;
  return sum;
}

/** Any installment past its due date and not fully repaid: new checkouts are denied (seed: overdue debt). */
export function hasOverdueDebt(state: CreditLineState, now: string): boolean {
  const at = Date.parse(now);
  for (const loan of state.loans.values()) {
    for (const i of loan.installments) if (owed(i) > 0n && Date.parse(i.dueDate) < at) return true;
  }
  return false;
}

/** Even split of an amount over the tenure; the last installment takes the remainder. */
function split(total: bigint, count: number, index: number): bigint {
  const each = total / BigInt(count);
  return index === count - 1 ? total - each * BigInt(count - 1) : each;
}

/** The loan schedule: principal and interest spread evenly, the processing fee due with the first installment. */
export function schedule(terms: {
  tenure: Tenure;
  openedAt: string;
  principalMinor: bigint;
  interestMinor: bigint;
  processingFeeMinor: bigint;
}): LoanOpenedData["installments"] {
  return Array.from({ length: terms.tenure }, (_, i) => ({
    number: i + 1,
    dueDate: new Date(Date.parse(terms.openedAt) + (i + 1) * INSTALLMENT_DAYS * 24 * 3_600_000).toISOString(),
    principalMinor: split(terms.principalMinor, terms.tenure, i),
    interestMinor: split(terms.interestMinor, terms.tenure, i),
    feeMinor: i === 0 ? terms.processingFeeMinor : 0n,
  }));
}

/** Held and still owed (principal) on one tenure, which its own cap bounds. */
function outstandingOn(state: CreditLineState, tenure: Tenure): bigint {
  let sum = 0n;
  for (const hold of state.holds.values())
    if (hold.tenure === tenure && hold.state === "held") sum += hold.amountMinor;
  for (const loan of state.loans.values()) {
    if (loan.tenure === tenure) for (const i of loan.installments) sum += i.principalMinor;
  }
  return sum;
}

/** What the user may still spend on a tenure: the smaller of the line's and the tenure's headroom. */
export function availableFor(state: CreditLineState, tenure: Tenure): bigint {
  const cap = state.perTenureMinor.get(tenure);
  if (!state.open || cap === undefined) return 0n;
  const line = state.totalMinor - state.heldMinor - state.usedMinor;
  const onTenure = cap - outstandingOn(state, tenure);
  const available = line < onTenure ? line : onTenure;
  return available > 0n ? available : 0n;
}

function setLimit(
  command: Extract<CreditLineCommand, { type: "SetLimit" }>,
  state: CreditLineState,
  actor: string,
): CreditLineEvent[] {
  if (command.totalMinor < 0n) throw new Rejection("limit_must_not_be_negative");
  if (command.perTenureMinor.some((t) => t.limitMinor < 0n || t.limitMinor > command.totalMinor)) {
    throw new Rejection("tenure_limit_must_be_within_total");
  }
  if (command.totalMinor < state.heldMinor + state.usedMinor)
    throw new Rejection("limit_must_cover_outstanding");
  return [
    {
      type: "CreditLimitSet",
      data: {
        userId: command.userId,
        currency: "VND",
        totalMinor: command.totalMinor,
        perTenureMinor: [...command.perTenureMinor],
        setBy: actor,
        reason: command.reason,
      },
    },
  ];
}

/**
 * Rules, in precedence order: amount_must_be_positive, credit_line_must_be_open, hold_must_not_be_closed,
 * buyer_must_not_have_overdue_debt, tenure_must_be_offered, credit_limit_must_cover_amount. A hold already placed for the transaction is
 * a retry: nothing new happens.
 */
function placeHold(
  command: Extract<CreditLineCommand, { type: "PlaceHold" }>,
  state: CreditLineState,
  now: string,
): CreditLineEvent[] {
  if (command.amountMinor <= 0n) throw new Rejection("amount_must_be_positive");
  if (!state.open) throw new Rejection("credit_line_must_be_open");
  const existing = state.holds.get(command.transactionId);
  if (existing?.state === "held") return [];
  if (existing) throw new Rejection("hold_must_not_be_closed", { state: existing.state });
  if (hasOverdueDebt(state, now)) throw new Rejection("buyer_must_not_have_overdue_debt");
  if (!state.perTenureMinor.has(command.tenure)) throw new Rejection("tenure_must_be_offered");
  if (availableFor(state, command.tenure) < command.amountMinor) {
    throw new Rejection("credit_limit_must_cover_amount", {
      availableMinor: availableFor(state, command.tenure),
    });
  }
  return [
    {
      type: "CreditHeld",
      data: {
        transactionId: command.transactionId,
        amountMinor: command.amountMinor,
        tenure: command.tenure,
      },
    },
  ];
}

/** Capture and release close a hold exactly once; repeating the same close is a no-op, the other is refused. */
function closeHold(
  transactionId: string,
  state: CreditLineState,
  target: "captured" | "released",
  reason: string,
): CreditLineEvent[] {
  const hold = state.holds.get(transactionId);
  if (!hold) throw new Rejection("hold_must_exist");
  if (hold.state === target) return [];
  if (hold.state !== "held") throw new Rejection("hold_must_be_open", { state: hold.state });
  const data = { transactionId, amountMinor: hold.amountMinor, tenure: hold.tenure };
  return target === "captured"
    ? [{ type: "CreditHoldCaptured", data }]
    : [{ type: "CreditHoldReleased", data: { ...data, reason } }];
}

/** Capturing a hold opens the loan the settlement defines, with its schedule. */
function capture(
  command: Extract<CreditLineCommand, { type: "CaptureHold" }>,
  state: CreditLineState,
): CreditLineEvent[] {
  const captured = closeHold(command.transactionId, state, "captured", "settled");
  if (captured.length === 0) return [];
  const hold = state.holds.get(command.transactionId)!;
  const terms = { ...command.loan, tenure: hold.tenure, principalMinor: hold.amountMinor };
  return [
    ...captured,
    {
      type: "LoanOpened",
      data: { ...terms, transactionId: command.transactionId, installments: schedule(terms) },
    },
  ];
}

/**
 * Rules, in precedence order: repayment_amount_must_be_positive, repayment_must_not_exceed_outstanding.
 * Applied oldest installment first, and within one: processing fee, interest, then principal.
 * A repayment id already applied is a retry: nothing new happens.
 */
function repay(
  command: Extract<CreditLineCommand, { type: "Repay" }>,
  state: CreditLineState,
): CreditLineEvent[] {
  if (state.repaymentIds.has(command.repaymentId)) return [];
  if (command.amountMinor <= 0n) throw new Rejection("repayment_amount_must_be_positive");
  const outstanding = outstandingMinor(state);
  if (command.amountMinor > outstanding) {
    throw new Rejection("repayment_must_not_exceed_outstanding", { outstandingMinor: outstanding });
  }
  let left = command.amountMinor;
  const take = (owedMinor: bigint) => {
    const taken = left < owedMinor ? left : owedMinor;
    left -= taken;
    return taken;
  };
  // Oldest installment first across all loans (by due date, then by loan age), so the debt that is due is
  // always the debt that is paid.
  const dueOrder = [...state.loans.values()]
    .flatMap((loan, age) => loan.installments.map((i) => ({ loan, i, age })))
    .filter(({ i }) => owed(i) > 0n)
    .sort(
      (a, b) => Date.parse(a.i.dueDate) - Date.parse(b.i.dueDate) || a.age - b.age || a.i.number - b.i.number,
    );
  const allocations = [];
  for (const { loan, i } of dueOrder) {
    if (left === 0n) break;
    const feeMinor = take(i.feeMinor);
    const interestMinor = take(i.interestMinor);
    const principalMinor = take(i.principalMinor);
    allocations.push({
      transactionId: loan.transactionId,
      installment: i.number,
      principalMinor,
      interestMinor,
      feeMinor,
    });
  }
  const { repaymentId, amountMinor, bankReference, receivedAt } = command;
  return [
    { type: "RepaymentApplied", data: { repaymentId, amountMinor, bankReference, receivedAt, allocations } },
  ];
}

/** A merchant's cancellation takes back the loan's latest installments first; repaid parts become a refund due. */
function cancelLoan(
  command: Extract<CreditLineCommand, { type: "CancelLoan" }>,
  state: CreditLineState,
): CreditLineEvent[] {
  if (state.cancellationIds.has(command.cancellationId)) return [];
  const loan = state.loans.get(command.transactionId);
  if (!loan) throw new Rejection("loan_must_exist");
  const { uncancelled } = loan;
  if (
    command.principalMinor > uncancelled.principalMinor ||
    command.interestMinor > uncancelled.interestMinor ||
    command.feeMinor > uncancelled.feeMinor
  ) {
    throw new Rejection("loan_cancellation_must_not_exceed_loan", { uncancelled });
  }
  const { transactionId, cancellationId, principalMinor, interestMinor, feeMinor } = command;
  const reduced = reduceFromLatest(loan, { principalMinor, interestMinor, feeMinor });
  const refundDueMinor = principalMinor + interestMinor + feeMinor - reduced.total;
  return [
    {
      type: "LoanCancelled",
      data: { transactionId, cancellationId, principalMinor, interestMinor, feeMinor, refundDueMinor },
    },
  ];
}

/** Takes amounts off a loan's installments from the last one back; returns the new installments and what it took. */
function reduceFromLatest(
  loan: Loan,
  amounts: { principalMinor: bigint; interestMinor: bigint; feeMinor: bigint },
): { installments: Installment[]; principalMinor: bigint; total: bigint } {
  let { principalMinor, interestMinor, feeMinor } = amounts;
  const installments = [...loan.installments];
  let tookPrincipal = 0n;
  let total = 0n;
  for (let n = installments.length - 1; n >= 0; n--) {
    const i = installments[n]!;
    const p = i.principalMinor < principalMinor ? i.principalMinor : principalMinor;
    const r = i.interestMinor < interestMinor ? i.interestMinor : interestMinor;
    const f = i.feeMinor < feeMinor ? i.feeMinor : feeMinor;
    principalMinor -= p;
    interestMinor -= r;
    feeMinor -= f;
    tookPrincipal += p;
    total += p + r + f;
    installments[n] = {
      ...i,
      principalMinor: i.principalMinor - p,
      interestMinor: i.interestMinor - r,
      feeMinor: i.feeMinor - f,
    };
  }
  return { installments, principalMinor: tookPrincipal, total };
}

function withLoan(state: CreditLineState, loan: Loan): ReadonlyMap<string, Loan> {
  const loans = new Map(state.loans);
  loans.set(loan.transactionId, loan);
  return loans;
}

function withHold(state: CreditLineState, transactionId: string, hold: Hold): ReadonlyMap<string, Hold> {
  const holds = new Map(state.holds);
  holds.set(transactionId, hold);
  return holds;
}

function evolve(state: CreditLineState, event: CreditLineEvent): CreditLineState {
  const next = ((): CreditLineState => {
    switch (event.type) {
      case "CreditLimitSet":
        return {
          ...state,
          open: true,
          totalMinor: event.data.totalMinor,
          perTenureMinor: new Map(event.data.perTenureMinor.map((t) => [t.tenure, t.limitMinor])),
        };
      case "CreditHeld":
        invariant(!state.holds.has(event.data.transactionId), "a transaction holds credit at most once");
        return {
          ...state,
          heldMinor: state.heldMinor + event.data.amountMinor,
          holds: withHold(state, event.data.transactionId, { ...event.data, state: "held" }),
        };
      case "CreditHoldCaptured":
      case "CreditHoldReleased": {
        const hold = state.holds.get(event.data.transactionId);
        invariant(hold?.state === "held", "a hold is captured or released exactly once");
        const captured = event.type === "CreditHoldCaptured";
        // A captured hold becomes used credit through the LoanOpened that always follows it.
        return {
          ...state,
          heldMinor: state.heldMinor - hold.amountMinor,
          holds: withHold(state, event.data.transactionId, {
            ...hold,
            state: captured ? "captured" : "released",
          }),
        };
      }
      case "LoanOpened":
        invariant(!state.loans.has(event.data.transactionId), "a transaction opens one loan");
        invariant(
          state.holds.get(event.data.transactionId)?.state === "captured",
          "a loan opens from a captured hold",
        );
        return {
          ...state,
          usedMinor: state.usedMinor + event.data.principalMinor,
          loans: withLoan(state, {
            transactionId: event.data.transactionId,
            tenure: event.data.tenure,
            openedAt: event.data.openedAt,
            installments: event.data.installments,
            uncancelled: {
              principalMinor: event.data.principalMinor,
              interestMinor: event.data.interestMinor,
              feeMinor: event.data.processingFeeMinor,
            },
          }),
        };
      case "RepaymentApplied": {
        let next: CreditLineState = {
          ...state,
          repaymentIds: new Set([...state.repaymentIds, event.data.repaymentId]),
        };
        for (const a of event.data.allocations) {
          const loan = next.loans.get(a.transactionId);
          invariant(loan !== undefined, "a repayment applies to an open loan");
          const installments = loan.installments.map((i) => {
            if (i.number !== a.installment) return i;
            const paid = {
              principalMinor: i.principalMinor - a.principalMinor,
              interestMinor: i.interestMinor - a.interestMinor,
              feeMinor: i.feeMinor - a.feeMinor,
            };
            invariant(
              paid.principalMinor >= 0n && paid.interestMinor >= 0n && paid.feeMinor >= 0n,
              "never repaid beyond what is owed",
            );
            return { ...i, ...paid };
          });
          next = {
            ...next,
            usedMinor: next.usedMinor - a.principalMinor,
            loans: withLoan(next, { ...loan, installments }),
          };
        }
        return next;
      }
      case "LoanCancelled": {
        const loan = state.loans.get(event.data.transactionId);
        invariant(loan !== undefined, "a cancellation applies to an open loan");
        const reduced = reduceFromLatest(loan, event.data);
        invariant(
          reduced.total + event.data.refundDueMinor ===
            event.data.principalMinor + event.data.interestMinor + event.data.feeMinor,
          "a cancellation is reduced or refunded, never lost",
        );
        return {
          ...state,
          usedMinor: state.usedMinor - reduced.principalMinor,
          loans: withLoan(state, {
            ...loan,
            installments: reduced.installments,
            uncancelled: {
              principalMinor: loan.uncancelled.principalMinor - event.data.principalMinor,
              interestMinor: loan.uncancelled.interestMinor - event.data.interestMinor,
              feeMinor: loan.uncancelled.feeMinor - event.data.feeMinor,
            },
          }),
          cancellationIds: new Set([...state.cancellationIds, event.data.cancellationId]),
          refundDueMinor: state.refundDueMinor + event.data.refundDueMinor,
        };
      }
      default:
        return unhandled(event);
    }
  })();
  invariant(next.heldMinor >= 0n && next.usedMinor >= 0n, "held and used are never negative");
  invariant(next.heldMinor + next.usedMinor <= next.totalMinor, "held + used never exceed the limit");
  invariant(next.usedMinor === outstandingPrincipal(next), "used credit is exactly the principal still owed");
  invariant(
    [...next.loans.values()].every(
      (loan) =>
        loan.uncancelled.principalMinor >= 0n &&
        loan.installments.every((i) => i.principalMinor >= 0n && i.interestMinor >= 0n && i.feeMinor >= 0n),
    ),
    "a loan never owes or cancels a negative amount",
  );
  return next;
}

export const creditLineDecider: Decider<CreditLineCommand, CreditLineEvent, CreditLineState> = {
  initialState: initialCreditLine,
  decide(command, state, meta) {
    switch (command.type) {
      case "SetLimit":
        return setLimit(command, state, meta.actor);
      case "PlaceHold":
        return placeHold(command, state, meta.now);
      case "CaptureHold":
        return capture(command, state);
      case "Repay":
        return repay(command, state);
      case "CancelLoan":
        return cancelLoan(command, state);
      case "ReleaseHold":
        return closeHold(command.transactionId, state, "released", command.reason);
      default:
        return unhandled(command);
    }
  },
  evolve,
};

export const creditLineStream = (userId: string) => `creditline-${userId}`;
