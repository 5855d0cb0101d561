import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fold, InvariantViolation, Rejection } from "../decider.ts";
import { spec, testMeta } from "../testing/decider-spec.ts";
import { type CreditLineCommand, creditLineDecider } from "./creditline.decider.ts";
import type { CreditLineEvent } from "./creditline.events.ts";
import { availableFor, outstandingMinor } from "./creditline.state.ts";
import type { CreditLineKey } from "./creditline.stream.ts";

// A Kredmint line (seed 000: invoice financing in INR, 2 decimals): one total limit, no tenures, a hold per
// disbursal id, each captured into a drawdown that is repaid oldest first. Amounts are paise.
const creditLine = spec(creditLineDecider);
const line: CreditLineKey = { product: "kredmint", userId: "USR-2225", currency: "INR" };

/** ₹100,000.00 */
const LIMIT = 10_000_000n;

const limitSet = (totalMinor: bigint): CreditLineEvent => ({
  type: "CreditLimitSet",
  data: { ...line, kind: "revolving", totalMinor, setBy: testMeta.actor, reason: "onboarding" },
});
const setLimit = (totalMinor: bigint): CreditLineCommand => ({
  type: "SetLimit",
  line,
  limit: { kind: "revolving", totalMinor },
  reason: "onboarding",
});
const held = (disbursalId: string, amountMinor: bigint): CreditLineEvent => ({
  type: "CreditHeld",
  data: { transactionId: disbursalId, amountMinor, tenure: undefined },
});
const placeHold = (disbursalId: string, amountMinor: bigint): CreditLineCommand => ({
  type: "PlaceHold",
  transactionId: disbursalId,
  amountMinor,
  tenure: undefined,
});
const drawDown = (disbursalId: string, openedAt = testMeta.now): CreditLineCommand => ({
  type: "CaptureHold",
  transactionId: disbursalId,
  terms: { kind: "drawdown", openedAt },
});
const drawdownOpened = (disbursalId: string, principalMinor: bigint, openedAt = testMeta.now) => [
  {
    type: "CreditHoldCaptured" as const,
    data: { transactionId: disbursalId, amountMinor: principalMinor, tenure: undefined },
  },
  { type: "DrawdownOpened" as const, data: { transactionId: disbursalId, openedAt, principalMinor } },
];
const repay = (repaymentId: string, amountMinor: bigint): CreditLineCommand => ({
  type: "Repay",
  repaymentId,
  amountMinor,
  bankReference: `UTR-${repaymentId}`,
  receivedAt: testMeta.now,
});
const principalRepaid = (transactionId: string, principalMinor: bigint) => ({
  transactionId,
  installment: 1,
  principalMinor,
  interestMinor: 0n,
  feeMinor: 0n,
});
const state = (history: readonly CreditLineEvent[]) => fold(creditLineDecider, history);

const open = [limitSet(LIMIT)];
/** ₹1,000.56 held for invoice IN-1. */
const holding = [...open, held("IN-1", 100_056n)];
/** IN-1 (₹1,000.56, the older) and IN-2 (₹250.25) drawn down. */
const drawn = [
  ...holding,
  ...drawdownOpened("IN-1", 100_056n, "2026-11-01T00:00:00.000Z"),
  held("IN-2", 25_025n),
  ...drawdownOpened("IN-2", 25_025n, "2026-11-20T00:00:00.000Z"),
];

describe("a revolving INR line", () => {
  describe("when no limit is set", () => {
    it("setting one records the product, the currency and the kind, with no tenures", () => {
      creditLine
        .given([])
        .when(setLimit(LIMIT))
        .yields([limitSet(LIMIT)]);
    });
    it("a hold is refused: the line is not open", () => {
      creditLine.given([]).when(placeHold("IN-1", 1n)).rejects("credit_line_must_be_open");
    });
  });

  describe("when a limit is set", () => {
    it("a hold of a 2-decimal amount is placed for the disbursal, without a tenure", () => {
      creditLine
        .given(open)
        .when(placeHold("IN-1", 100_056n))
        .yields([held("IN-1", 100_056n)]);
    });
    it("all of the limit is available, on no tenure", () => {
      expect(availableFor(state(open))).toBe(LIMIT);
      expect(availableFor(state(open), 1)).toBe(0n);
    });
    it("a hold of exactly the limit is placed, one paisa more is refused with what is available", () => {
      creditLine
        .given(open)
        .when(placeHold("IN-1", LIMIT))
        .yields([held("IN-1", LIMIT)]);
      let refusal: unknown;
      try {
        creditLineDecider.decide(placeHold("IN-1", LIMIT + 1n), state(open), testMeta);
      } catch (error) {
        refusal = error;
      }
      expect(refusal).toBeInstanceOf(Rejection);
      expect(refusal).toMatchObject({
        rule: "credit_limit_must_cover_amount",
        detail: { availableMinor: LIMIT },
      });
    });
    it("a hold on a tenure is refused: a revolving line offers none", () => {
      creditLine
        .given(open)
        .when({ type: "PlaceHold", transactionId: "IN-1", amountMinor: 1n, tenure: 3 })
        .rejects("tenure_must_be_offered");
    });
    it("becoming an instalment line is refused", () => {
      creditLine
        .given(open)
        .when({
          type: "SetLimit",
          line,
          limit: { kind: "instalment", totalMinor: LIMIT, perTenureMinor: [] },
          reason: "review",
        })
        .rejects("credit_line_must_keep_its_kind");
    });
    it("a limit for another currency on this line is refused", () => {
      creditLine
        .given(open)
        .when({
          type: "SetLimit",
          line: { ...line, currency: "VND" },
          limit: { kind: "revolving", totalMinor: LIMIT },
          reason: "review",
        })
        .rejects("credit_line_must_keep_its_key");
    });
  });

  describe("when a disbursal holds credit", () => {
    it("it counts against the line, and the next one only gets the rest", () => {
      expect(availableFor(state(holding))).toBe(LIMIT - 100_056n);
      creditLine
        .given(holding)
        .when(placeHold("IN-2", LIMIT - 100_056n + 1n))
        .rejects("credit_limit_must_cover_amount");
    });
    it("placing it again is a retry: nothing new happens", () => {
      creditLine.given(holding).when(placeHold("IN-1", 100_056n)).yields([]);
    });
    it("capturing it opens a drawdown of the held amount", () => {
      const step = creditLine.given(holding).when(drawDown("IN-1"));
      step.yields(drawdownOpened("IN-1", 100_056n));
      const after = step.state();
      expect([after.heldMinor, after.usedMinor, outstandingMinor(after)]).toEqual([0n, 100_056n, 100_056n]);
      expect(availableFor(after)).toBe(LIMIT - 100_056n);
    });
    it("capturing it into a loan with a schedule is refused: the line lends in drawdowns", () => {
      creditLine
        .given(holding)
        .when({
          type: "CaptureHold",
          transactionId: "IN-1",
          terms: {
            kind: "loan",
            merchantId: "m",
            openedAt: testMeta.now,
            interestMinor: 0n,
            processingFeeMinor: 0n,
          },
        })
        .rejects("capture_terms_must_match_the_line");
    });
    it("releasing it gives the credit back", () => {
      const after = creditLine
        .given(holding)
        .when({ type: "ReleaseHold", transactionId: "IN-1", reason: "disbursal_failed" })
        .state();
      expect([after.heldMinor, availableFor(after)]).toEqual([0n, LIMIT]);
    });
  });

  describe("when two drawdowns are owed", () => {
    it("a repayment pays the oldest drawdown first, then the next", () => {
      creditLine
        .given(drawn)
        .when(repay("r-1", 100_100n))
        .yields([
          {
            type: "RepaymentApplied",
            data: {
              repaymentId: "r-1",
              receivedAt: testMeta.now,
              amountMinor: 100_100n,
              bankReference: "UTR-r-1",
              allocations: [principalRepaid("IN-1", 100_056n), principalRepaid("IN-2", 44n)],
            },
          },
        ]);
    });
    it("the repaid principal is credit to spend again", () => {
      const after = creditLine.given(drawn).when(repay("r-1", 100_100n)).state();
      expect(after.usedMinor).toBe(25_025n - 44n);
      expect(availableFor(after)).toBe(LIMIT - 25_025n + 44n);
    });
    it("more than both owe is refused", () => {
      creditLine.given(drawn).when(repay("r-1", 125_082n)).rejects("repayment_must_not_exceed_outstanding");
    });
    it("a drawdown has no due date, so the buyer is never overdue on it", () => {
      creditLine
        .given(drawn)
        .when(placeHold("IN-3", 1n), { now: "2030-01-01T00:00:00.000Z" })
        .yields([held("IN-3", 1n)]);
    });
    it("the limit may not drop below what is used", () => {
      creditLine.given(drawn).when(setLimit(125_080n)).rejects("limit_must_cover_outstanding");
      creditLine
        .given(drawn)
        .when(setLimit(125_081n))
        .yields([limitSet(125_081n)]);
    });
  });

  describe("evolve refuses an impossible history", () => {
    const impossible: [string, CreditLineEvent[]][] = [
      [
        "a hold with a tenure",
        [...open, { type: "CreditHeld", data: { transactionId: "IN-1", amountMinor: 1n, tenure: 1 } }],
      ],
      [
        "a loan with a schedule",
        [
          ...holding,
          drawdownOpened("IN-1", 100_056n)[0]!,
          {
            type: "LoanOpened",
            data: {
              transactionId: "IN-1",
              merchantId: "m",
              tenure: 1,
              openedAt: testMeta.now,
              principalMinor: 100_056n,
              interestMinor: 0n,
              processingFeeMinor: 0n,
              installments: [
                {
                  number: 1,
                  dueDate: testMeta.now,
                  principalMinor: 100_056n,
                  interestMinor: 0n,
                  feeMinor: 0n,
                },
              ],
            },
          },
        ],
      ],
      ["a drawdown of a hold never captured", [...holding, drawdownOpened("IN-1", 100_056n)[1]!]],
      [
        "a line turned into an instalment line",
        [
          ...open,
          {
            type: "CreditLimitSet",
            data: {
              ...line,
              kind: "instalment",
              totalMinor: LIMIT,
              perTenureMinor: [],
              setBy: "ops",
              reason: "review",
            },
          },
        ],
      ],
    ];
    it.each(impossible)("%s", (_name, history) => {
      expect(() => fold(creditLineDecider, history)).toThrow(InvariantViolation);
    });
  });

  it("after any sequence of commands, held + used stay within the limit and are the holds and drawdowns", () => {
    const disbursal = fc.constantFrom("IN-1", "IN-2", "IN-3", "IN-4");
    const amount = fc.bigInt({ min: -5n, max: 60_000n });
    const command: fc.Arbitrary<CreditLineCommand> = fc.oneof(
      amount.map((totalMinor) => setLimit(totalMinor)),
      fc.tuple(disbursal, amount).map(([id, amountMinor]) => placeHold(id, amountMinor)),
      disbursal.map((id) => drawDown(id)),
      disbursal.map(
        (id): CreditLineCommand => ({ type: "ReleaseHold", transactionId: id, reason: "failed" }),
      ),
      fc
        .tuple(fc.constantFrom("r-1", "r-2", "r-3"), amount)
        .map(([id, amountMinor]) => repay(id, amountMinor)),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), (commands) => {
        let current = state(open);
        for (const c of [setLimit(100_000n), ...commands]) {
          let events: readonly CreditLineEvent[];
          try {
            events = creditLineDecider.decide(c, current, testMeta);
          } catch (error) {
            if (error instanceof Rejection) continue;
            throw error;
          }
          current = events.reduce(creditLineDecider.evolve, current);
          let heldSum = 0n;
          for (const h of current.holds.values()) if (h.state === "held") heldSum += h.amountMinor;
          expect(current.heldMinor).toBe(heldSum);
          expect(current.heldMinor + current.usedMinor).toBeLessThanOrEqual(current.totalMinor);
          expect(availableFor(current)).toBe(current.totalMinor - current.heldMinor - current.usedMinor);
          expect(outstandingMinor(current)).toBe(current.usedMinor);
        }
      }),
      { numRuns: 200 },
    );
  });

  describe("when thousands of drawdowns were repaid", () => {
    // A partner user's line over a year or more: each event writes one hold or loan, so a cold fold is
    // linear (copying the holds and loans per event made 4,000 drawdowns take 4 s and these 20,000 over
    // three minutes, failing this test on its timeout).
    const history: CreditLineEvent[] = [limitSet(LIMIT)];
    for (let i = 0; i < 20_000; i++) {
      const id = `IN-${i}`;
      history.push(held(id, 100n), ...drawdownOpened(id, 100n), {
        type: "RepaymentApplied",
        data: {
          repaymentId: `R-${i}`,
          amountMinor: 100n,
          bankReference: `UTR-${i}`,
          receivedAt: testMeta.now,
          allocations: [principalRepaid(id, 100n)],
        },
      });
    }

    it("folds them in linear time, to a line with nothing held or used", () => {
      const folded = state(history);
      expect(folded.loans.size).toBe(20_000);
      expect(folded.heldMinor).toBe(0n);
      expect(folded.usedMinor).toBe(0n);
      expect(availableFor(folded)).toBe(LIMIT);
    });
  });
});
