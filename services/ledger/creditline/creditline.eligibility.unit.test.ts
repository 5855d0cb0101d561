import { describe, expect, it } from "vitest";
import { TENURES } from "../../../contracts/checkout/common.ts";
import { at, capture, loanOf, placeHold, release, setLimit, T0 } from "../testing/creditline-fixtures.ts";
import { testMeta } from "../testing/decider-spec.ts";
import { type CreditLineCommand, creditLineDecider } from "./creditline.decider.ts";
import { tenureEligibility } from "./creditline.eligibility.ts";
import { CREDIT_LINE_RULES, CreditLineRejection } from "./creditline.rules.ts";
import type { CreditLineState } from "./creditline.state.ts";

/** The line after `commands`, each decided at `now` as the decider would. */
function line(now: string, ...commands: CreditLineCommand[]): CreditLineState {
  return commands.reduce(
    (state, command) =>
      creditLineDecider.decide(command, state, { ...testMeta, now }).reduce(creditLineDecider.evolve, state),
    creditLineDecider.initialState,
  );
}

// 10,000,000 VND in total; tenure 1 up to all of it, tenure 3 up to 2,000,000, tenures 6 and 12 not offered.
const limits = setLimit(10_000_000n, [
  { tenure: 1, limitMinor: 10_000_000n },
  { tenure: 3, limitMinor: 2_000_000n },
]);
/** A loan of 1,500,000 over tenure 3 settled at T0: its first installment falls due at day 30. */
const loan = [placeHold("older", 1_500_000n, 3), capture("older", loanOf(T0))];

const states: [string, CreditLineState, string][] = [
  ["no credit line", line(T0), T0],
  ["an untouched line", line(T0, limits), T0],
  ["a line with another checkout's hold", line(T0, limits, placeHold("other", 9_000_000n, 1)), T0],
  ["a line with a loan not yet due", line(T0, limits, ...loan), at(29)],
  ["a line with an installment overdue", line(T0, limits, ...loan), at(31)],
  ["this checkout's hold on tenure 3", line(T0, limits, placeHold("tx", 500_000n, 3)), T0],
  ["this checkout's hold released", line(T0, limits, placeHold("tx", 500_000n, 3), release("tx")), T0],
  [
    "a revolving line",
    line(T0, {
      type: "SetLimit",
      line: { product: "kredmint", userId: "USR-1", currency: "INR" },
      limit: { kind: "revolving", totalMinor: 10_000_000n },
      reason: "onboarding",
    }),
    T0,
  ],
];
const amounts = [0n, 1n, 500_000n, 1_000_000n, 2_000_001n, 10_000_001n];

describe("tenure eligibility", () => {
  it.each(states)("with %s, agrees with PlaceHold on every tenure and amount", (_name, state, now) => {
    for (const amountMinor of amounts) {
      const eligibility = tenureEligibility(state, { transactionId: "tx", amountMinor, now });
      expect(eligibility.map((e) => e.tenure)).toEqual(TENURES);
      for (const option of eligibility) {
        const command = placeHold("tx", amountMinor, option.tenure);
        let refusal: string | undefined;
        try {
          creditLineDecider.decide(command, state, { ...testMeta, now });
        } catch (error) {
          if (!(error instanceof CreditLineRejection)) throw error;
          refusal = error.rule;
        }
        expect(option.eligible ? undefined : option.rule, `${option.tenure} for ${amountMinor}`).toBe(
          refusal,
        );
      }
    }
  });

  it("the table meets every rule PlaceHold refuses by", () => {
    const met = new Set<string>();
    for (const [, state, now] of states) {
      for (const amountMinor of amounts) {
        for (const option of tenureEligibility(state, { transactionId: "tx", amountMinor, now })) {
          if (!option.eligible) met.add(option.rule);
        }
      }
    }
    expect([...met].sort()).toEqual([...CREDIT_LINE_RULES.PlaceHold].sort());
  });

  it("an overdue buyer may choose no tenure at all, whatever the limits", () => {
    const [, overdue, now] = states[4]!;
    expect(tenureEligibility(overdue, { amountMinor: 1n, now })).toEqual(
      TENURES.map((tenure) => ({ tenure, eligible: false, rule: "buyer_must_not_have_overdue_debt" })),
    );
  });

  it("a checkout holding tenure 3 may choose that tenure only", () => {
    const [, holding, now] = states[5]!;
    expect(tenureEligibility(holding, { transactionId: "tx", amountMinor: 500_000n, now })).toEqual([
      { tenure: 1, eligible: false, rule: "hold_must_keep_its_tenure" },
      { tenure: 3, eligible: true },
      { tenure: 6, eligible: false, rule: "hold_must_keep_its_tenure" },
      { tenure: 12, eligible: false, rule: "hold_must_keep_its_tenure" },
    ]);
  });

  it("each tenure within its own cap and the line's headroom", () => {
    const [, untouched, now] = states[1]!;
    expect(tenureEligibility(untouched, { amountMinor: 2_000_001n, now })).toEqual([
      { tenure: 1, eligible: true },
      { tenure: 3, eligible: false, rule: "credit_limit_must_cover_amount" },
      { tenure: 6, eligible: false, rule: "tenure_must_be_offered" },
      { tenure: 12, eligible: false, rule: "tenure_must_be_offered" },
    ]);
  });
});
