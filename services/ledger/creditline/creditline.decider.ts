import type { EventData } from "../../../contracts/event-codec.ts";
import { type Decider, invariant, unhandled } from "../decider.ts";
import { includes } from "../persistent-list.ts";
import { holdRefusal } from "./creditline.eligibility.ts";
import type { CreditLineEvent, LineKind, Tenure } from "./creditline.events.ts";
import { evolve, reduceFromLatest, sameKey } from "./creditline.evolve.ts";
import { CreditLineRejection } from "./creditline.rules.ts";
import {
  type CreditLineState,
  type Installment,
  initialCreditLine,
  lessOf,
  outstandingMinor,
  owedOn,
} from "./creditline.state.ts";
import type { CreditLineKey } from "./creditline.stream.ts";

/** A line's limit: instalment lines cap each tenure they offer, revolving lines have one total only. */
export type CreditLimit =
  | {
      readonly kind: "instalment";
      readonly totalMinor: bigint;
      readonly perTenureMinor: readonly { tenure: Tenure; limitMinor: bigint }[];
    }
  | { readonly kind: "revolving"; readonly totalMinor: bigint };

/** What a captured hold becomes: on an instalment line the settlement's loan, on a revolving line a drawdown. */
export type CaptureTerms =
  | ({ readonly kind: "loan" } & Omit<
      LoanOpenedData,
      "installments" | "transactionId" | "principalMinor" | "tenure"
    >)
  | { readonly kind: "drawdown"; readonly openedAt: string };

export type CreditLineCommand =
  | {
      readonly type: "SetLimit";
      readonly line: CreditLineKey;
      readonly limit: CreditLimit;
      readonly reason: string;
    }
  | {
      readonly type: "PlaceHold";
      readonly transactionId: string;
      readonly amountMinor: bigint;
      /** The tenure chosen on an instalment line; none on a revolving line. */
      readonly tenure: Tenure | undefined;
    }
  | { readonly type: "CaptureHold"; readonly transactionId: string; readonly terms: CaptureTerms }
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

type LoanOpenedData = EventData<CreditLineEvent, "LoanOpened">;

/** Installments are due every 30 days from settlement. */
export const INSTALLMENT_DAYS = 30;

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

/** Rules in CREDIT_LINE_RULES.SetLimit's order. The first limit fixes the line's key and kind. */
function setLimit(
  command: Extract<CreditLineCommand, { type: "SetLimit" }>,
  state: CreditLineState,
  actor: string,
): CreditLineEvent[] {
  const { line, limit } = command;
  if (limit.totalMinor < 0n) throw new CreditLineRejection("limit_must_not_be_negative");
  const tenures = limit.kind === "instalment" ? limit.perTenureMinor : [];
  if (tenures.some((t) => t.limitMinor < 0n || t.limitMinor > limit.totalMinor)) {
    throw new CreditLineRejection("tenure_limit_must_be_within_total");
  }
  if (state.key && !sameKey(state.key, line)) {
    throw new CreditLineRejection("credit_line_must_keep_its_key", { key: state.key });
  }
  if (state.kind && state.kind !== limit.kind) {
    throw new CreditLineRejection("credit_line_must_keep_its_kind", { kind: state.kind });
  }
  if (limit.totalMinor < state.heldMinor + state.usedMinor)
    throw new CreditLineRejection("limit_must_cover_outstanding");
  const base = { ...line, totalMinor: limit.totalMinor, setBy: actor, reason: command.reason };
  return [
    {
      type: "CreditLimitSet",
      data:
        limit.kind === "instalment"
          ? { ...base, kind: "instalment", perTenureMinor: [...limit.perTenureMinor] }
          : { ...base, kind: "revolving" },
    },
  ];
}

/** Rules in holdRefusal. A hold already placed for the transaction with the same tenure is a retry. */
function placeHold(
  command: Extract<CreditLineCommand, { type: "PlaceHold" }>,
  state: CreditLineState,
  now: string,
): CreditLineEvent[] {
  const refusal = holdRefusal(state, command, now);
  if (refusal) throw new CreditLineRejection(refusal.rule, refusal.detail);
  if (state.holds.has(command.transactionId)) return [];
  const { transactionId, amountMinor, tenure } = command;
  return [{ type: "CreditHeld", data: { transactionId, amountMinor, tenure } }];
}

/** Capture and release close a hold exactly once; repeating the same close is a no-op, the other is refused. */
function closeHold(
  transactionId: string,
  state: CreditLineState,
  target: "captured" | "released",
  reason: string,
): CreditLineEvent[] {
  const hold = state.holds.get(transactionId);
  if (!hold) throw new CreditLineRejection("hold_must_exist");
  if (hold.state === target) return [];
  if (hold.state !== "held") throw new CreditLineRejection("hold_must_be_open", { state: hold.state });
  const data = { transactionId, amountMinor: hold.amountMinor, tenure: hold.tenure };
  return target === "captured"
    ? [{ type: "CreditHoldCaptured", data }]
    : [{ type: "CreditHoldReleased", data: { ...data, reason } }];
}

/** What each kind of line captures a hold into. */
const CAPTURES_INTO: Readonly<Record<LineKind, CaptureTerms["kind"]>> = {
  instalment: "loan",
  revolving: "drawdown",
};

/**
 * Capturing a hold opens what the line lends: on an instalment line the loan the settlement defines, with
 * its schedule; on a revolving line a drawdown of the held amount.
 */
function capture(
  command: Extract<CreditLineCommand, { type: "CaptureHold" }>,
  state: CreditLineState,
): CreditLineEvent[] {
  const captured = closeHold(command.transactionId, state, "captured", "settled");
  if (captured.length === 0) return [];
  const { terms, transactionId } = command;
  invariant(state.kind !== undefined, "a line with a hold is open");
  if (CAPTURES_INTO[state.kind] !== terms.kind) {
    throw new CreditLineRejection("capture_terms_must_match_the_line", { kind: state.kind });
  }
  const hold = state.holds.get(transactionId)!;
  if (terms.kind === "drawdown") {
    const data = { transactionId, openedAt: terms.openedAt, principalMinor: hold.amountMinor };
    return [...captured, { type: "DrawdownOpened", data }];
  }
  invariant(hold.tenure !== undefined, "a hold on an instalment line has a tenure");
  const { kind: _loan, ...charges } = terms;
  const loan = { ...charges, tenure: hold.tenure, principalMinor: hold.amountMinor };
  return [
    ...captured,
    { type: "LoanOpened", data: { ...loan, transactionId, installments: schedule(loan) } },
  ];
}

/** When an installment falls due, for ordering; a drawdown's (no due date) after every dated one. */
const dueAt = (i: Installment) => (i.dueDate === undefined ? Number.MAX_SAFE_INTEGER : Date.parse(i.dueDate));

/**
 * Rules in CREDIT_LINE_RULES.Repay's order.
 * Applied oldest installment first, and within one: processing fee, interest, then principal.
 * A repayment id already applied is a retry: nothing new happens.
 */
function repay(
  command: Extract<CreditLineCommand, { type: "Repay" }>,
  state: CreditLineState,
): CreditLineEvent[] {
  if (includes(state.repaymentIds, command.repaymentId)) return [];
  if (command.amountMinor <= 0n) throw new CreditLineRejection("repayment_amount_must_be_positive");
  const outstanding = outstandingMinor(state);
  if (command.amountMinor > outstanding) {
    throw new CreditLineRejection("repayment_must_not_exceed_outstanding", { outstandingMinor: outstanding });
  }
  let left = command.amountMinor;
  const take = (owedMinor: bigint) => {
    const taken = left < owedMinor ? left : owedMinor;
    left -= taken;
    return taken;
  };
  // Oldest installment first across all loans (by due date, then by loan age), so the debt that is due is
  // always the debt that is paid. Drawdowns have no due date: the oldest is repaid first.
  const dueOrder = [...state.loans.values()]
    .flatMap((loan, age) => loan.installments.map((i) => ({ loan, i, age })))
    .filter(({ i }) => owedOn(i) > 0n)
    .sort((a, b) => dueAt(a.i) - dueAt(b.i) || a.age - b.age || a.i.number - b.i.number);
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

/**
 * A merchant's cancellation takes back the loan's latest installments first; repaid parts become a refund
 * due. Rules in CREDIT_LINE_RULES.CancelLoan's order; a cancellation id already applied is a retry.
 */
function cancelLoan(
  command: Extract<CreditLineCommand, { type: "CancelLoan" }>,
  state: CreditLineState,
): CreditLineEvent[] {
  if (includes(state.cancellationIds, command.cancellationId)) return [];
  const loan = state.loans.get(command.transactionId);
  if (!loan) throw new CreditLineRejection("loan_must_exist");
  const { uncancelled } = loan;
  if (
    command.principalMinor > uncancelled.principalMinor ||
    command.interestMinor > uncancelled.interestMinor ||
    command.feeMinor > uncancelled.feeMinor
  ) {
    throw new CreditLineRejection("loan_cancellation_must_not_exceed_loan", { uncancelled });
  }
  const { transactionId, cancellationId, principalMinor, interestMinor, feeMinor } = command;
  const cancelled = { principalMinor, interestMinor, feeMinor };
  // Per component, what the unpaid installments could not give back had been repaid: it is refunded as such.
  const refundDue = lessOf(cancelled, reduceFromLatest(loan, cancelled).taken);
  return [{ type: "LoanCancelled", data: { transactionId, cancellationId, ...cancelled, refundDue } }];
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
