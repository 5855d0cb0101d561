import type { PersistentList } from "../persistent-list.ts";
import { emptyPersistentMap, type PersistentMap } from "../persistent-map.ts";
import type { LineKind, Tenure } from "./creditline.events.ts";
import type { CreditLineKey } from "./creditline.stream.ts";

export type HoldState = "held" | "captured" | "released";

/** What is still owed on one installment. */
export interface Installment {
  readonly number: number;
  /** A drawdown's single installment has no due date: it is never overdue. */
  readonly dueDate: string | undefined;
  readonly principalMinor: bigint;
  readonly interestMinor: bigint;
  readonly feeMinor: bigint;
}

/** A loan (instalment line, with its tenure and schedule) or a drawdown (revolving line, one installment). */
export interface Loan {
  readonly transactionId: string;
  readonly tenure: Tenure | undefined;
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

export interface Hold {
  readonly amountMinor: bigint;
  /** The tenure chosen on an instalment line; none on a revolving line. */
  readonly tenure: Tenure | undefined;
  readonly state: HoldState;
}

export interface CreditLineState {
  readonly open: boolean;
  /** Product, user and currency, from the first limit set; undefined until then. */
  readonly key: CreditLineKey | undefined;
  readonly kind: LineKind | undefined;
  readonly totalMinor: bigint;
  /** An instalment line's tenures and their caps; empty on a revolving line. */
  readonly perTenureMinor: ReadonlyMap<Tenure, bigint>;
  readonly heldMinor: bigint;
  readonly usedMinor: bigint;
  /** Measured by what each still holds (its amount while held): `heldMinor` is their sum. */
  readonly holds: PersistentMap<string, Hold>;
  /**
   * Open loans and drawdowns in the order they were opened: repayments apply oldest first. Measured by the
   * principal each still owes: `usedMinor` is their sum.
   */
  readonly loans: PersistentMap<string, Loan>;
  readonly repaymentIds: PersistentList<string>;
  readonly cancellationIds: PersistentList<string>;
  /** Repaid amounts that a later cancellation took back: owed to the buyer. */
  readonly refundDueMinor: bigint;
}

/** What a hold holds of the line: its amount while held, nothing once captured or released. */
export const heldBy = (hold: Hold): bigint => (hold.state === "held" ? hold.amountMinor : 0n);

/** The principal a loan still owes: what it uses of the line. */
export function principalOwedOn(loan: Loan): bigint {
  let sum = 0n;
  for (const i of loan.installments) sum += i.principalMinor;
  return sum;
}

export const initialCreditLine: CreditLineState = {
  open: false,
  key: undefined,
  kind: undefined,
  totalMinor: 0n,
  perTenureMinor: new Map(),
  heldMinor: 0n,
  usedMinor: 0n,
  holds: emptyPersistentMap(heldBy),
  loans: emptyPersistentMap(principalOwedOn),
  repaymentIds: undefined,
  cancellationIds: undefined,
  refundDueMinor: 0n,
};

/** Principal, interest and fee together. */
export const totalOf = (amounts: LoanAmounts) =>
  amounts.principalMinor + amounts.interestMinor + amounts.feeMinor;

/** a − b, component by component. */
export const lessOf = (a: LoanAmounts, b: LoanAmounts): LoanAmounts => ({
  principalMinor: a.principalMinor - b.principalMinor,
  interestMinor: a.interestMinor - b.interestMinor,
  feeMinor: a.feeMinor - b.feeMinor,
});

export const owedOn = (i: Installment) => totalOf(i);

/** Everything still owed on the line: principal, interest and fees of every open installment. */
export function outstandingMinor(state: CreditLineState): bigint {
  let sum = 0n;
  for (const loan of state.loans.values()) for (const i of loan.installments) sum += owedOn(i);
  return sum;
}

/** Principal still owed on the loans that `counts`: what they use of the line. */
export function outstandingPrincipal(
  state: CreditLineState,
  counts: (loan: Loan) => boolean = () => true,
): bigint {
  let sum = 0n;
  for (const loan of state.loans.values()) if (counts(loan)) sum += principalOwedOn(loan);
  return sum;
}

/** Any installment past its due date and not fully repaid: new holds are refused (seed: overdue debt). */
export function hasOverdueDebt(state: CreditLineState, now: string): boolean {
  const at = Date.parse(now);
  for (const loan of state.loans.values()) {
    for (const i of loan.installments) {
      if (owedOn(i) > 0n && i.dueDate !== undefined && Date.parse(i.dueDate) < at) return true;
    }
  }
  return false;
}

/** Held and still owed (principal) on one tenure, which its own cap bounds. */
function outstandingOn(state: CreditLineState, tenure: Tenure): bigint {
  let sum = 0n;
  for (const hold of state.holds.values())
    if (hold.tenure === tenure && hold.state === "held") sum += hold.amountMinor;
  return sum + outstandingPrincipal(state, (loan) => loan.tenure === tenure);
}

/**
 * What the user may still spend: on an instalment line, on `tenure` (the smaller of the line's and the
 * tenure's headroom; nothing without a tenure it offers); on a revolving line, the line's headroom (nothing
 * on any tenure: it offers none).
 */
export function availableFor(state: CreditLineState, tenure?: Tenure): bigint {
  if (!state.open) return 0n;
  const line = state.totalMinor - state.heldMinor - state.usedMinor;
  let available = line;
  if (state.kind === "instalment") {
    const cap = tenure === undefined ? undefined : state.perTenureMinor.get(tenure);
    if (tenure === undefined || cap === undefined) return 0n;
    const onTenure = cap - outstandingOn(state, tenure);
    if (onTenure < available) available = onTenure;
  } else if (tenure !== undefined) {
    return 0n;
  }
  return available > 0n ? available : 0n;
}
