import type { EventData } from "../../contracts/event-codec.ts";
import { creditLineDecider } from "../ledger/creditline/creditline.decider.ts";
import {
  type CreditLineEvent,
  creditLineCodec,
  type Tenure,
} from "../ledger/creditline/creditline.events.ts";
import {
  availableFor,
  hasOverdueDebt,
  type Installment,
  type Loan,
  outstandingMinor,
  totalOf,
} from "../ledger/creditline/creditline.state.ts";
import { creditLineStream, kredivoLine } from "../ledger/creditline/creditline.stream.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import { streamEvents } from "../platform/eventstore/stream-events.ts";

export interface Components {
  readonly principalMinor: bigint;
  readonly interestMinor: bigint;
  readonly feeMinor: bigint;
}

export interface InstallmentView {
  readonly number: number;
  readonly dueDate: string;
  readonly scheduled: Components;
  readonly outstanding: Components;
  readonly status: "closed" | "due" | "overdue";
}

export interface LoanView {
  readonly transactionId: string;
  readonly merchantId: string;
  readonly tenure: Tenure;
  readonly openedAt: string;
  readonly scheduled: Components;
  readonly repaid: Components;
  readonly cancelled: Components;
  readonly refundDueMinor: bigint;
  readonly outstanding: Components;
  readonly status: "open" | "closed";
  readonly installments: readonly InstallmentView[];
}

export interface BuyerLoans {
  readonly userId: string;
  readonly currency: "VND";
  readonly creditLine: {
    readonly limitMinor: bigint;
    readonly heldMinor: bigint;
    readonly usedMinor: bigint;
    /** The most the buyer may spend on one tenure now, per tenure offered. */
    readonly availableMinor: readonly { tenure: Tenure; availableMinor: bigint }[];
  };
  readonly outstandingMinor: bigint;
  readonly refundDueMinor: bigint;
  readonly overdue: boolean;
  readonly loans: readonly LoanView[];
}

const ZERO: Components = { principalMinor: 0n, interestMinor: 0n, feeMinor: 0n };
const add = (a: Components, b: Components): Components => ({
  principalMinor: a.principalMinor + b.principalMinor,
  interestMinor: a.interestMinor + b.interestMinor,
  feeMinor: a.feeMinor + b.feeMinor,
});
/** Just the three components of something that carries them among other fields. */
const componentsOf = ({ principalMinor, interestMinor, feeMinor }: Components): Components => ({
  principalMinor,
  interestMinor,
  feeMinor,
});

type OpenedLoan = EventData<CreditLineEvent, "LoanOpened">;

/** What happened to each loan after it opened, per transaction id. */
interface LoanMovements {
  readonly opened: Map<string, OpenedLoan>;
  readonly repaid: Map<string, Components>;
  readonly cancelled: Map<string, Components>;
  readonly refunds: Map<string, bigint>;
}

/**
 * A buyer's loans, read from the credit line's own stream (the consistency boundary of its money): each
 * loan's schedule as opened, what was repaid and cancelled, and what each installment still owes (the
 * decider's state). Undefined when the buyer has no credit line.
 */
export async function buyerLoans(
  store: EventStore,
  userId: string,
  now: Date,
): Promise<BuyerLoans | undefined> {
  const events = await creditLineEvents(store, userId);
  if (events.length === 0) return undefined;
  const state = events.reduce(creditLineDecider.evolve, creditLineDecider.initialState);
  const movements = loanMovements(events);
  const at = now.getTime();
  return {
    userId,
    currency: "VND",
    creditLine: {
      limitMinor: state.totalMinor,
      heldMinor: state.heldMinor,
      usedMinor: state.usedMinor,
      availableMinor: [...state.perTenureMinor.keys()]
        .sort((a, b) => a - b)
        .map((tenure) => ({ tenure, availableMinor: availableFor(state, tenure) })),
    },
    outstandingMinor: outstandingMinor(state),
    refundDueMinor: state.refundDueMinor,
    overdue: hasOverdueDebt(state, now.toISOString()),
    loans: [...movements.opened.values()].map((loan) =>
      loanView(loan, state.loans.get(loan.transactionId), movements, at),
    ),
  };
}

async function creditLineEvents(store: EventStore, userId: string): Promise<CreditLineEvent[]> {
  const events: CreditLineEvent[] = [];
  for await (const envelope of streamEvents(store, creditLineStream(kredivoLine(userId)))) {
    events.push(creditLineCodec.decode(envelope));
  }
  return events;
}

function loanMovements(events: readonly CreditLineEvent[]): LoanMovements {
  const movements: LoanMovements = {
    opened: new Map(),
    repaid: new Map(),
    cancelled: new Map(),
    refunds: new Map(),
  };
  const { opened, repaid, cancelled, refunds } = movements;
  for (const event of events) {
    switch (event.type) {
      case "LoanOpened":
        opened.set(event.data.transactionId, event.data);
        break;
      case "RepaymentApplied":
        for (const a of event.data.allocations) {
          repaid.set(a.transactionId, add(repaid.get(a.transactionId) ?? ZERO, a));
        }
        break;
      case "LoanCancelled": {
        const d = event.data;
        cancelled.set(d.transactionId, add(cancelled.get(d.transactionId) ?? ZERO, d));
        refunds.set(d.transactionId, (refunds.get(d.transactionId) ?? 0n) + totalOf(d.refundDue));
        break;
      }
      default:
        break;
    }
  }
  return movements;
}

/** One loan: its schedule as opened, what moved since, and what each installment still owes (`current`). */
function loanView(
  loan: OpenedLoan,
  current: Loan | undefined,
  movements: LoanMovements,
  at: number,
): LoanView {
  const installments = loan.installments.map((scheduled) =>
    installmentView(
      scheduled,
      current?.installments.find((i) => i.number === scheduled.number),
      at,
    ),
  );
  const outstanding = installments.reduce((sum, i) => add(sum, i.outstanding), ZERO);
  return {
    transactionId: loan.transactionId,
    merchantId: loan.merchantId,
    tenure: loan.tenure,
    openedAt: loan.openedAt,
    scheduled: {
      principalMinor: loan.principalMinor,
      interestMinor: loan.interestMinor,
      feeMinor: loan.processingFeeMinor,
    },
    repaid: movements.repaid.get(loan.transactionId) ?? ZERO,
    cancelled: movements.cancelled.get(loan.transactionId) ?? ZERO,
    refundDueMinor: movements.refunds.get(loan.transactionId) ?? 0n,
    outstanding,
    status: totalOf(outstanding) === 0n ? "closed" : "open",
    installments,
  };
}

/** An installment as scheduled, and what is `left` of it (nothing once the decider closed it). */
function installmentView(
  scheduled: OpenedLoan["installments"][number],
  left: Installment | undefined,
  at: number,
): InstallmentView {
  const outstanding = left ? componentsOf(left) : ZERO;
  return {
    number: scheduled.number,
    dueDate: scheduled.dueDate,
    scheduled: componentsOf(scheduled),
    outstanding,
    status: totalOf(outstanding) === 0n ? "closed" : Date.parse(scheduled.dueDate) < at ? "overdue" : "due",
  };
}
