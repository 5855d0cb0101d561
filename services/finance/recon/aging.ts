import { creditLineDecider } from "../../ledger/creditline/creditline.decider.ts";
import { creditLineCodec } from "../../ledger/creditline/creditline.events.ts";
import { type CreditLineState, owedOn } from "../../ledger/creditline/creditline.state.ts";
import type { EventStore } from "../../platform/eventstore/port.ts";
import { streamEvents } from "../../platform/eventstore/stream-events.ts";
import type { ReadStore } from "../../platform/readstore/port.ts";

// Aging of receivables: what each buyer (Checkout API) or user (Partner API) owes, per currency, by how many
// days past its due date each installment is, as of a date. An installment not yet due (or with no due
// date: a revolving drawdown) is `current`. The buckets of a line add up to what it owes.

export const AGING_BUCKETS = ["current", "1-30", "31-60", "61-90", "90+"] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];
export type Aging = Readonly<Record<AgingBucket, bigint>>;

const DAY_MS = 86_400_000;

export function bucketOf(daysPastDue: number): AgingBucket {
  if (daysPastDue <= 0) return "current";
  if (daysPastDue <= 30) return "1-30";
  if (daysPastDue <= 60) return "31-60";
  if (daysPastDue <= 90) return "61-90";
  return "90+";
}

export const NO_AGING: Aging = { current: 0n, "1-30": 0n, "31-60": 0n, "61-90": 0n, "90+": 0n };

export function addAging(a: Aging, b: Aging): Aging {
  const sum: Record<AgingBucket, bigint> = { ...NO_AGING };
  for (const bucket of AGING_BUCKETS) sum[bucket] = a[bucket] + b[bucket];
  return sum;
}

/** A credit line's receivables by age at `at`: whole days since each installment's due date. */
export function agingOf(state: CreditLineState, at: Date): Aging {
  const aging: Record<AgingBucket, bigint> = { ...NO_AGING };
  for (const loan of state.loans.values()) {
    for (const installment of loan.installments) {
      const owed = owedOn(installment);
      if (owed === 0n) continue;
      const due = installment.dueDate === undefined ? undefined : Date.parse(installment.dueDate);
      const days = due === undefined ? 0 : Math.floor((at.getTime() - due) / DAY_MS);
      aging[bucketOf(days)] += owed;
    }
  }
  return aging;
}

export interface LineAging {
  readonly userId: string;
  readonly product: string;
  readonly currency: string;
  readonly aging: Aging;
  readonly totalMinor: bigint;
}

/**
 * Every credit line's aging as of `at`: each line's stream folded up to the events recorded by then (so a
 * later repayment does not change an earlier report), lines owing nothing left out. Reads one stream per
 * line: a report, not a request path.
 */
export async function receivablesAging(
  store: EventStore,
  readStore: ReadStore,
  at: Date,
  currency: string | undefined,
): Promise<LineAging[]> {
  const lines = await readStore.query(
    `SELECT line_id, user_id, product, currency FROM credit_lines
      ${currency === undefined ? "" : "WHERE currency = ?"} ORDER BY currency, user_id, product`,
    currency === undefined ? [] : [currency],
  );
  const cutoff = at.toISOString();
  const result: LineAging[] = [];
  for (const line of lines) {
    let state = creditLineDecider.initialState;
    for await (const envelope of streamEvents(store, String(line.line_id))) {
      if (envelope.occurredAt > cutoff) break;
      state = creditLineDecider.evolve(state, creditLineCodec.decode(envelope));
    }
    const aging = agingOf(state, at);
    const totalMinor = AGING_BUCKETS.reduce((sum, bucket) => sum + aging[bucket], 0n);
    if (totalMinor === 0n) continue;
    result.push({
      userId: String(line.user_id),
      product: String(line.product),
      currency: String(line.currency),
      aging,
      totalMinor,
    });
  }
  return result;
}
