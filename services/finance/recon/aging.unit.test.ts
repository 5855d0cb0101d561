import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CreditLineState,
  initialCreditLine,
  type Loan,
  outstandingMinor,
  principalOwedOn,
} from "../../ledger/creditline/creditline.state.ts";
import { persistentMapOf } from "../../ledger/persistent-map.ts";
import { AGING_BUCKETS, agingOf, bucketOf } from "./aging.ts";

const AT = new Date("2026-12-01T00:00:00.000Z");
const daysBefore = (days: number) => new Date(AT.getTime() - days * 86_400_000).toISOString();

function lineWith(installments: { dueDaysAgo: number | undefined; owedMinor: bigint }[]): CreditLineState {
  const loan: Loan = {
    transactionId: "tx",
    tenure: 3,
    openedAt: daysBefore(200),
    installments: installments.map(({ dueDaysAgo, owedMinor }, i) => ({
      number: i + 1,
      dueDate: dueDaysAgo === undefined ? undefined : daysBefore(dueDaysAgo),
      principalMinor: owedMinor,
      interestMinor: 0n,
      feeMinor: 0n,
    })),
    uncancelled: { principalMinor: 0n, interestMinor: 0n, feeMinor: 0n },
  };
  return { ...initialCreditLine, loans: persistentMapOf([["tx", loan]], principalOwedOn) };
}

describe("the bucket of an installment", () => {
  it.each([
    [-5, "current"],
    [0, "current"],
    [1, "1-30"],
    [30, "1-30"],
    [31, "31-60"],
    [60, "31-60"],
    [61, "61-90"],
    [90, "61-90"],
    [91, "90+"],
    [400, "90+"],
  ])("%i days past due is %s", (days, bucket) => {
    expect(bucketOf(days)).toBe(bucket);
  });
});

describe("when a line owes installments of every age", () => {
  it("puts each in its bucket, and one with no due date (a drawdown) in current", () => {
    const state = lineWith([
      { dueDaysAgo: -10, owedMinor: 1n },
      { dueDaysAgo: 15, owedMinor: 10n },
      { dueDaysAgo: 45, owedMinor: 100n },
      { dueDaysAgo: 75, owedMinor: 1_000n },
      { dueDaysAgo: 120, owedMinor: 10_000n },
      { dueDaysAgo: undefined, owedMinor: 100_000n },
      { dueDaysAgo: 200, owedMinor: 0n },
    ]);
    expect(agingOf(state, AT)).toEqual({
      current: 100_001n,
      "1-30": 10n,
      "31-60": 100n,
      "61-90": 1_000n,
      "90+": 10_000n,
    });
  });

  it("has buckets that add up to what the line owes, whatever the schedule", () => {
    const installment = fc.record({
      dueDaysAgo: fc.option(fc.integer({ min: -400, max: 400 }), { nil: undefined }),
      owedMinor: fc.bigInt({ min: 0n, max: 10n ** 12n }),
    });
    fc.assert(
      fc.property(fc.array(installment, { maxLength: 12 }), (installments) => {
        const state = lineWith(installments);
        const aging = agingOf(state, AT);
        const sum = AGING_BUCKETS.reduce((total, bucket) => total + aging[bucket], 0n);
        expect(sum).toBe(outstandingMinor(state));
      }),
    );
  });
});
