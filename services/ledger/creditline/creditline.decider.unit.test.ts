import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fold, InvariantViolation, Rejection } from "../decider.ts";
import { includes } from "../persistent-list.ts";
import {
  allocation,
  at,
  cancelLoan,
  capture,
  captured,
  held,
  installment,
  type LoanTermsOf,
  limitSet,
  loanCancelled,
  loanOf,
  loanOpened,
  placeHold,
  principalOwed,
  release,
  released,
  repaid,
  repay,
  setLimit,
  T0,
} from "../testing/creditline-fixtures.ts";
import { spec, testMeta } from "../testing/decider-spec.ts";
import {
  type CreditLimit,
  type CreditLineCommand,
  creditLineDecider,
  INSTALLMENT_DAYS,
} from "./creditline.decider.ts";
import type { CreditLineEvent, Tenure } from "./creditline.events.ts";
import { CREDIT_LINE_RULES } from "./creditline.rules.ts";
import { availableFor, type CreditLineState, hasOverdueDebt, outstandingMinor } from "./creditline.state.ts";
import { type CreditLineKey, kredivoLine } from "./creditline.stream.ts";

const creditLine = spec(creditLineDecider);
/** The rules a precedence table's rows break, each once, in the table's order. */
const inOrder = (rows: readonly { rule: string }[]) => [...new Set(rows.map((r) => r.rule))];

/** A history where the hold was captured the way the decider does it: CreditHoldCaptured, then LoanOpened. */
const withCapture = (history: readonly CreditLineEvent[], transactionId: string): CreditLineEvent[] => [
  ...history,
  ...creditLineDecider.decide(capture(transactionId), fold(creditLineDecider, history), testMeta),
];
// A 10,000,000 VND line offering tenures 1 and 3 up to the whole line.
const open = [
  limitSet(10_000_000n, [
    { tenure: 1, limitMinor: 10_000_000n },
    { tenure: 3, limitMinor: 10_000_000n },
  ]),
];
const state = (history: readonly CreditLineEvent[]): CreditLineState => fold(creditLineDecider, history);

// Loan A: 1,000,000 over 3 months opened at T0 (the checkout's 1.5 %/2.95 %/1 % example): interest 88,500
// split 29,500 a month, processing fee 10,000 with the first installment; principal 333,333 / 333,333 / 333,334.
const termsA = loanOf(T0, 88_500n, 10_000n);
const scheduleA = [
  installment(1, "2026-12-27T10:00:00.000Z", 333_333n, 29_500n, 10_000n),
  installment(2, "2027-01-26T10:00:00.000Z", 333_333n, 29_500n, 0n),
  installment(3, "2027-02-25T10:00:00.000Z", 333_334n, 29_500n, 0n),
];
const loanAOpened = loanOpened("tx-1", 3, 1_000_000n, termsA, scheduleA);
const withLoanA = [...open, held("tx-1", 1_000_000n, 3), captured("tx-1", 1_000_000n, 3), loanAOpened];
/** Installment 1 of loan A in full: 10,000 + 29,500 + 333,333. */
const firstInstallmentRepaid = repaid("repay-1", 372_833n, [
  allocation("tx-1", 1, 333_333n, 29_500n, 10_000n),
]);
const partlyRepaid = [...withLoanA, firstInstallmentRepaid];

describe("credit line decider", () => {
  describe("when no limit is set", () => {
    it("setting a limit records it with the actor who set it", () => {
      creditLine
        .given([])
        .when(setLimit(10_000_000n, [{ tenure: 3, limitMinor: 5_000_000n }], "initial review"), {
          actor: "risk-officer",
        })
        .yields([
          {
            type: "CreditLimitSet",
            data: {
              product: "kredivo",
              userId: "user-1",
              currency: "VND",
              kind: "instalment",
              totalMinor: 10_000_000n,
              perTenureMinor: [{ tenure: 3, limitMinor: 5_000_000n }],
              setBy: "risk-officer",
              reason: "initial review",
            },
          },
        ]);
    });
    it("a zero limit opens the line with nothing to spend", () => {
      const after = creditLine
        .given([])
        .when(setLimit(0n, [{ tenure: 1, limitMinor: 0n }]))
        .state();
      expect(after.open).toBe(true);
      expect(availableFor(after, 1)).toBe(0n);
    });
    it("a negative limit is rejected", () => {
      creditLine.given([]).when(setLimit(-1n, [])).rejects("limit_must_not_be_negative");
    });
    it("a tenure limit above the total is rejected", () => {
      creditLine
        .given([])
        .when(setLimit(1_000_000n, [{ tenure: 3, limitMinor: 1_000_001n }]))
        .rejects("tenure_limit_must_be_within_total");
    });
    it("a negative tenure limit is rejected", () => {
      creditLine
        .given([])
        .when(setLimit(1_000_000n, [{ tenure: 3, limitMinor: -1n }]))
        .rejects("tenure_limit_must_be_within_total");
    });
    it("a tenure limit equal to the total is accepted", () => {
      expect(
        creditLine
          .given([])
          .when(setLimit(1_000_000n, [{ tenure: 3, limitMinor: 1_000_000n }]))
          .state().perTenureMinor,
      ).toEqual(new Map([[3, 1_000_000n]]));
    });
    it("a hold is refused: the line is not open", () => {
      creditLine
        .given([])
        .when(placeHold("tx-1", 1n, 1))
        .rejects("credit_line_must_be_open");
    });
    it("nothing is available on any tenure", () => {
      for (const tenure of [1, 3, 6, 12] as const) expect(availableFor(state([]), tenure)).toBe(0n);
    });
    it("capturing or releasing an unknown hold is rejected", () => {
      creditLine.given([]).when(capture("tx-1")).rejects("hold_must_exist");
      creditLine.given([]).when(release("tx-1")).rejects("hold_must_exist");
    });
  });

  describe("when a limit is set", () => {
    it("a hold within the limit is placed", () => {
      creditLine
        .given(open)
        .when(placeHold("tx-1", 6_505_000n, 3))
        .yields([held("tx-1", 6_505_000n, 3)]);
    });
    it("a hold of exactly what is available is placed, one more is refused", () => {
      creditLine
        .given(open)
        .when(placeHold("tx-1", 10_000_000n, 1))
        .yields([held("tx-1", 10_000_000n, 1)]);
      creditLine
        .given(open)
        .when(placeHold("tx-1", 10_000_001n, 1))
        .rejects("credit_limit_must_cover_amount");
    });
    it("a zero or negative hold is rejected", () => {
      creditLine
        .given(open)
        .when(placeHold("tx-1", 0n, 1))
        .rejects("amount_must_be_positive");
      creditLine
        .given(open)
        .when(placeHold("tx-1", -1n, 1))
        .rejects("amount_must_be_positive");
    });
    it("a hold on a tenure the line does not offer is refused", () => {
      creditLine
        .given(open)
        .when(placeHold("tx-1", 1n, 6))
        .rejects("tenure_must_be_offered");
    });
    it("setting the limit again replaces the total and the tenures offered", () => {
      const after = creditLine
        .given(open)
        .when(setLimit(2_000_000n, [{ tenure: 12, limitMinor: 2_000_000n }], "review"))
        .state();
      expect(after.totalMinor).toBe(2_000_000n);
      expect(after.perTenureMinor).toEqual(new Map([[12, 2_000_000n]]));
      expect(availableFor(after, 1)).toBe(0n);
      expect(availableFor(after, 12)).toBe(2_000_000n);
    });
    it("capturing or releasing an unknown hold is rejected", () => {
      creditLine.given(open).when(capture("tx-1")).rejects("hold_must_exist");
      creditLine.given(open).when(release("tx-1")).rejects("hold_must_exist");
    });
  });

  describe("availableFor, with per-tenure caps smaller than the line", () => {
    // Line 10M; tenure 3 may use 4M, tenure 6 may use 8M; tenure 12 is not offered.
    const capped = [
      limitSet(10_000_000n, [
        { tenure: 3, limitMinor: 4_000_000n },
        { tenure: 6, limitMinor: 8_000_000n },
      ]),
    ];
    it("is each tenure's cap while the line is untouched, zero for a tenure not offered", () => {
      const s = state(capped);
      expect(availableFor(s, 3)).toBe(4_000_000n);
      expect(availableFor(s, 6)).toBe(8_000_000n);
      expect(availableFor(s, 12)).toBe(0n);
      expect(availableFor(s, 1)).toBe(0n);
    });
    it("a hold on one tenure lowers that tenure by its amount and the others only through the line", () => {
      const s = state([...capped, held("tx-1", 3_000_000n, 3)]);
      expect(availableFor(s, 3)).toBe(1_000_000n);
      expect(availableFor(s, 6)).toBe(7_000_000n);
    });
    it("is the smaller of the line's and the tenure's headroom", () => {
      // Line headroom 1M, tenure 3 headroom 1M, tenure 6 headroom 2M: the line binds tenure 6.
      const s = state([...capped, held("tx-1", 3_000_000n, 3), held("tx-2", 6_000_000n, 6)]);
      expect(availableFor(s, 3)).toBe(1_000_000n);
      expect(availableFor(s, 6)).toBe(1_000_000n);
    });
    it("the tenure cap refuses a hold the line alone would cover", () => {
      creditLine
        .given(capped)
        .when(placeHold("tx-1", 4_000_001n, 3))
        .rejects("credit_limit_must_cover_amount");
      creditLine
        .given(capped)
        .when(placeHold("tx-1", 4_000_000n, 3))
        .yields([held("tx-1", 4_000_000n, 3)]);
    });
    it("a captured hold still counts against its tenure, a released one no longer does", () => {
      const capturedOn3 = withCapture([...capped, held("tx-1", 3_000_000n, 3)], "tx-1");
      expect(availableFor(state(capturedOn3), 3)).toBe(1_000_000n);
      const releasedOn3 = [...capped, held("tx-1", 3_000_000n, 3), released("tx-1", 3_000_000n, 3)];
      expect(availableFor(state(releasedOn3), 3)).toBe(4_000_000n);
    });
    it("is zero, never negative, when the limit is lowered below a tenure's outstanding", () => {
      const s = state([
        ...capped,
        held("tx-1", 3_000_000n, 3),
        limitSet(10_000_000n, [{ tenure: 3, limitMinor: 2_000_000n }], "review"),
      ]);
      expect(availableFor(s, 3)).toBe(0n);
    });
  });

  describe("when a hold is held", () => {
    const holding = [...open, held("tx-1", 4_000_000n, 3)];
    it("placing it again is a retry: nothing new happens", () => {
      creditLine
        .given(holding)
        .when(placeHold("tx-1", 4_000_000n, 3))
        .yields([]);
    });
    it("placing it again with another tenure is refused: its loan must have the tenure the settlement prices", () => {
      for (const tenure of [1, 6, 12] as const) {
        creditLine
          .given(holding)
          .when(placeHold("tx-1", 4_000_000n, tenure))
          .rejects("hold_must_keep_its_tenure");
      }
    });
    it("the retry succeeds even when the line could not cover the hold a second time", () => {
      const full = [...open, held("tx-1", 10_000_000n, 1)];
      creditLine
        .given(full)
        .when(placeHold("tx-1", 10_000_000n, 1))
        .yields([]);
    });
    it("counts against the line", () => {
      const s = state(holding);
      expect(s.heldMinor).toBe(4_000_000n);
      expect(availableFor(s, 1)).toBe(6_000_000n);
    });
    it("capturing moves it from held to used", () => {
      const terms = loanOf(T0, 354_000n, 40_000n);
      const step = creditLine.given(holding).when(capture("tx-1", terms));
      step.yields([
        captured("tx-1", 4_000_000n, 3),
        loanOpened("tx-1", 3, 4_000_000n, terms, [
          installment(1, at(30), 1_333_333n, 118_000n, 40_000n),
          installment(2, at(60), 1_333_333n, 118_000n, 0n),
          installment(3, at(90), 1_333_334n, 118_000n, 0n),
        ]),
      ]);
      const after = step.state();
      expect([after.heldMinor, after.usedMinor]).toEqual([0n, 4_000_000n]);
      expect(after.holds.get("tx-1")).toMatchObject({
        amountMinor: 4_000_000n,
        tenure: 3,
        state: "captured",
      });
    });
    it("releasing frees it, with the reason", () => {
      const step = creditLine.given(holding).when(release("tx-1", "checkout_aborted"));
      step.yields([released("tx-1", 4_000_000n, 3, "checkout_aborted")]);
      const after = step.state();
      expect([after.heldMinor, after.usedMinor]).toEqual([0n, 0n]);
      expect(availableFor(after, 3)).toBe(10_000_000n);
    });
    it("the limit may not drop below what is held", () => {
      creditLine
        .given(holding)
        .when(setLimit(3_999_999n, [{ tenure: 3, limitMinor: 3_999_999n }]))
        .rejects("limit_must_cover_outstanding");
      creditLine
        .given(holding)
        .when(setLimit(4_000_000n, [{ tenure: 3, limitMinor: 4_000_000n }]))
        .yields([limitSet(4_000_000n, [{ tenure: 3, limitMinor: 4_000_000n }])]);
    });
  });

  describe("when a hold is captured", () => {
    const capturedHold = withCapture([...open, held("tx-1", 4_000_000n, 3)], "tx-1");
    it("capturing it again is a no-op", () => {
      creditLine.given(capturedHold).when(capture("tx-1")).yields([]);
    });
    it("releasing it is refused", () => {
      creditLine.given(capturedHold).when(release("tx-1")).rejects("hold_must_be_open");
    });
    it("placing it again is refused: the transaction is closed", () => {
      creditLine
        .given(capturedHold)
        .when(placeHold("tx-1", 4_000_000n, 3))
        .rejects("hold_must_not_be_closed");
    });
    it("the limit may not drop below what is used", () => {
      creditLine.given(capturedHold).when(setLimit(3_999_999n, [])).rejects("limit_must_cover_outstanding");
    });
  });

  describe("when a hold is released", () => {
    const releasedHold = [...open, held("tx-1", 4_000_000n, 3), released("tx-1", 4_000_000n, 3)];
    it("releasing it again is a no-op", () => {
      creditLine.given(releasedHold).when(release("tx-1")).yields([]);
    });
    it("capturing it is refused", () => {
      creditLine.given(releasedHold).when(capture("tx-1")).rejects("hold_must_be_open");
    });
    it("placing it again is refused: the transaction is closed", () => {
      creditLine
        .given(releasedHold)
        .when(placeHold("tx-1", 4_000_000n, 3))
        .rejects("hold_must_not_be_closed");
    });
    it("the line no longer counts it", () => {
      creditLine
        .given(releasedHold)
        .when(setLimit(0n, []))
        .yields([limitSet(0n, [])]);
    });
  });

  it("PlaceHold checks its rules in precedence order", () => {
    // t-1 was held for the whole 1M line and captured into a loan opened at T0 (installment 1 due at day 30):
    // nothing is available, tenure 12 is not offered, and from day 30 on the buyer is overdue.
    const closed = [
      limitSet(1_000_000n, [{ tenure: 3, limitMinor: 1_000_000n }]),
      held("t-1", 1_000_000n, 3),
      captured("t-1", 1_000_000n, 3),
      loanOpened("t-1", 3, 1_000_000n, termsA, [
        installment(1, at(30), 333_333n, 29_500n, 10_000n),
        installment(2, at(60), 333_333n, 29_500n, 0n),
        installment(3, at(90), 333_334n, 29_500n, 0n),
      ]),
    ];
    const overdue = at(31);
    // Each row breaks its rule and every later one a reachable state allows: a closed hold needs an open
    // line, an amount of zero or less is never more than what is available, and overdue debt needs a loan.
    const rows: {
      rule: string;
      breaks: string;
      given: readonly CreditLineEvent[];
      command: CreditLineCommand;
      now: string;
    }[] = [
      {
        rule: "amount_must_be_positive",
        breaks: "amount, open, tenure",
        given: [],
        command: placeHold("t-1", 0n, 12),
        now: overdue,
      },
      {
        rule: "amount_must_be_positive",
        breaks: "amount, closed, overdue, tenure",
        given: closed,
        command: placeHold("t-1", 0n, 12),
        now: overdue,
      },
      {
        rule: "credit_line_must_be_open",
        breaks: "open, tenure, cover",
        given: [],
        command: placeHold("t-1", 1n, 12),
        now: overdue,
      },
      {
        rule: "hold_must_not_be_closed",
        breaks: "closed, overdue, tenure, cover",
        given: closed,
        command: placeHold("t-1", 1n, 12),
        now: overdue,
      },
      {
        rule: "hold_must_keep_its_tenure",
        breaks: "keep tenure, overdue, tenure, cover",
        given: [...closed, limitSet(1_000_001n, [{ tenure: 3, limitMinor: 1_000_001n }]), held("t-3", 1n, 3)],
        command: placeHold("t-3", 1n, 12),
        now: overdue,
      },
      {
        rule: "buyer_must_not_have_overdue_debt",
        breaks: "overdue, tenure, cover",
        given: closed,
        command: placeHold("t-2", 1n, 12),
        now: overdue,
      },
      {
        rule: "tenure_must_be_offered",
        breaks: "tenure, cover",
        given: closed,
        command: placeHold("t-2", 1n, 12),
        now: T0,
      },
      {
        rule: "credit_limit_must_cover_amount",
        breaks: "cover",
        given: closed,
        command: placeHold("t-2", 1n, 3),
        now: T0,
      },
    ];
    for (const row of rows) creditLine.given(row.given).when(row.command, { now: row.now }).rejects(row.rule);
    expect(inOrder(rows)).toEqual(CREDIT_LINE_RULES.PlaceHold);
  });

  it("SetLimit checks its rules in precedence order", () => {
    // 4,000,000 held on a 10,000,000 Kredivo line; each row breaks its rule and every later one.
    const holding = [...open, held("tx-1", 4_000_000n, 3)];
    const someoneElse = kredivoLine("user-2");
    const limit = (line: CreditLineKey, limit: CreditLimit): CreditLineCommand => ({
      type: "SetLimit",
      line,
      limit,
      reason: "review",
    });
    const rows: { rule: string; command: CreditLineCommand }[] = [
      {
        rule: "limit_must_not_be_negative",
        command: limit(someoneElse, {
          kind: "instalment",
          totalMinor: -1n,
          perTenureMinor: [{ tenure: 3, limitMinor: 0n }],
        }),
      },
      {
        rule: "tenure_limit_must_be_within_total",
        command: limit(someoneElse, {
          kind: "instalment",
          totalMinor: 1n,
          perTenureMinor: [{ tenure: 3, limitMinor: 2n }],
        }),
      },
      {
        rule: "credit_line_must_keep_its_key",
        command: limit(someoneElse, { kind: "revolving", totalMinor: 1n }),
      },
      {
        rule: "credit_line_must_keep_its_kind",
        command: limit(kredivoLine("user-1"), { kind: "revolving", totalMinor: 1n }),
      },
      { rule: "limit_must_cover_outstanding", command: setLimit(3_999_999n, []) },
    ];
    for (const row of rows) creditLine.given(holding).when(row.command).rejects(row.rule);
    expect(inOrder(rows)).toEqual(CREDIT_LINE_RULES.SetLimit);
  });

  it("CaptureHold checks its rules in precedence order", () => {
    // Drawdown terms on an instalment line break capture_terms_must_match_the_line in every row.
    const drawdown: CreditLineCommand = {
      type: "CaptureHold",
      transactionId: "tx-1",
      terms: { kind: "drawdown", openedAt: T0 },
    };
    const rows: { rule: string; given: readonly CreditLineEvent[] }[] = [
      { rule: "hold_must_exist", given: open },
      { rule: "hold_must_be_open", given: [...open, held("tx-1", 1n, 3), released("tx-1", 1n, 3)] },
      { rule: "capture_terms_must_match_the_line", given: [...open, held("tx-1", 1n, 3)] },
    ];
    for (const row of rows) creditLine.given(row.given).when(drawdown).rejects(row.rule);
    expect(inOrder(rows)).toEqual(CREDIT_LINE_RULES.CaptureHold);
  });

  describe("when a hold is captured into a loan", () => {
    const holdingA = [...open, held("tx-1", 1_000_000n, 3)];
    it("1,000,000 over 3 months: due every 30 days, split evenly with the remainder last, the fee first", () => {
      expect(INSTALLMENT_DAYS).toBe(30);
      creditLine
        .given(holdingA)
        .when(capture("tx-1", termsA))
        .yields([captured("tx-1", 1_000_000n, 3), loanAOpened]);
    });
    it("over 1 month, one installment carries the principal, the interest and the processing fee", () => {
      const terms = loanOf(T0, 0n, 10_000n);
      creditLine
        .given([...open, held("tx-1", 1_000_000n, 1)])
        .when(capture("tx-1", terms))
        .yields([
          captured("tx-1", 1_000_000n, 1),
          loanOpened("tx-1", 1, 1_000_000n, terms, [
            installment(1, "2026-12-27T10:00:00.000Z", 1_000_000n, 0n, 10_000n),
          ]),
        ]);
    });
    it("over 12 months, principal and interest that do not split evenly leave their remainders last", () => {
      // 1,000,000 / 12 = 83,333 remainder 4; 100 / 12 = 8 remainder 4.
      const terms = loanOf(T0, 100n, 10_000n);
      const installments = [];
      for (let n = 1; n <= 11; n++)
        installments.push(installment(n, at(30 * n), 83_333n, 8n, n === 1 ? 10_000n : 0n));
      installments.push(installment(12, at(360), 83_337n, 12n, 0n));
      creditLine
        .given([...open, held("tx-1", 1_000_000n, 12)])
        .when(capture("tx-1", terms))
        .yields([captured("tx-1", 1_000_000n, 12), loanOpened("tx-1", 12, 1_000_000n, terms, installments)]);
    });
    it("due dates are 30 days apart, not calendar months, across the year end", () => {
      const terms = loanOf("2026-12-31T23:59:59.000Z", 0n, 0n);
      creditLine
        .given(holdingA)
        .when(capture("tx-1", terms))
        .yields([
          captured("tx-1", 1_000_000n, 3),
          loanOpened("tx-1", 3, 1_000_000n, terms, [
            installment(1, "2027-01-30T23:59:59.000Z", 333_333n, 0n, 0n),
            installment(2, "2027-03-01T23:59:59.000Z", 333_333n, 0n, 0n),
            installment(3, "2027-03-31T23:59:59.000Z", 333_334n, 0n, 0n),
          ]),
        ]);
    });
    it("the loan's principal is the hold's amount, now used", () => {
      const after = creditLine.given(holdingA).when(capture("tx-1", termsA)).state();
      expect([after.heldMinor, after.usedMinor]).toEqual([0n, 1_000_000n]);
      expect(principalOwed(after)).toBe(1_000_000n);
      expect(outstandingMinor(after)).toBe(1_098_500n);
    });
    it("the capture re-sent, even with other terms, is a no-op", () => {
      creditLine
        .given(withLoanA)
        .when(capture("tx-1", loanOf(at(1), 1n, 1n)))
        .yields([]);
    });
  });

  describe("when a loan is open", () => {
    it("a repayment pays the oldest installment's fee, then its interest, then its principal", () => {
      const step = creditLine.given(withLoanA).when(repay("repay-1", 50_000n));
      step.yields([repaid("repay-1", 50_000n, [allocation("tx-1", 1, 10_500n, 29_500n, 10_000n)])]);
      expect(step.state().usedMinor).toBe(989_500n);
    });
    it("a repayment of less than the fee pays part of the fee only", () => {
      creditLine
        .given(withLoanA)
        .when(repay("repay-1", 4_000n))
        .yields([repaid("repay-1", 4_000n, [allocation("tx-1", 1, 0n, 0n, 4_000n)])]);
    });
    it("a repayment beyond the first installment spills into the second, interest first", () => {
      // 372,833 clears installment 1; the other 27,167 goes to installment 2's interest.
      creditLine
        .given(withLoanA)
        .when(repay("repay-1", 400_000n))
        .yields([
          repaid("repay-1", 400_000n, [
            allocation("tx-1", 1, 333_333n, 29_500n, 10_000n),
            allocation("tx-1", 2, 0n, 27_167n, 0n),
          ]),
        ]);
    });
    it("exactly what is outstanding repays every installment and frees the line", () => {
      const step = creditLine.given(withLoanA).when(repay("repay-1", 1_098_500n));
      step.yields([
        repaid("repay-1", 1_098_500n, [
          allocation("tx-1", 1, 333_333n, 29_500n, 10_000n),
          allocation("tx-1", 2, 333_333n, 29_500n, 0n),
          allocation("tx-1", 3, 333_334n, 29_500n, 0n),
        ]),
      ]);
      const after = step.state();
      expect([after.usedMinor, outstandingMinor(after), principalOwed(after)]).toEqual([0n, 0n, 0n]);
      expect(availableFor(after, 1)).toBe(10_000_000n);
    });
    it("one unit more than what is outstanding is refused", () => {
      creditLine
        .given(withLoanA)
        .when(repay("repay-1", 1_098_501n))
        .rejects("repayment_must_not_exceed_outstanding");
    });
    it("a zero or negative repayment is refused", () => {
      creditLine.given(withLoanA).when(repay("repay-1", 0n)).rejects("repayment_amount_must_be_positive");
      creditLine.given(withLoanA).when(repay("repay-1", -1n)).rejects("repayment_amount_must_be_positive");
    });
    it("a full cancellation takes everything back: nothing was repaid, nothing is refunded", () => {
      const step = creditLine.given(withLoanA).when(cancelLoan("tx-1", 1_000_000n, 88_500n, 10_000n));
      step.yields([loanCancelled("tx-1", 1_000_000n, 88_500n, 10_000n)]);
      const after = step.state();
      expect([after.usedMinor, outstandingMinor(after), after.refundDueMinor]).toEqual([0n, 0n, 0n]);
    });
    it("a partial cancellation takes back from the latest installments first", () => {
      // Half of it: 500,000 principal (333,334 of #3, 166,666 of #2), 44,250 interest, 5,000 of the fee on #1.
      const step = creditLine.given(withLoanA).when(cancelLoan("tx-1", 500_000n, 44_250n, 5_000n));
      step.yields([loanCancelled("tx-1", 500_000n, 44_250n, 5_000n)]);
      const after = step.state();
      expect(after.loans.get("tx-1")?.installments).toEqual([
        installment(1, at(30), 333_333n, 29_500n, 5_000n),
        installment(2, at(60), 166_667n, 14_750n, 0n),
        installment(3, at(90), 0n, 0n, 0n),
      ]);
      expect([after.usedMinor, principalOwed(after)]).toEqual([500_000n, 500_000n]);
    });
    it("a cancellation re-sent is a no-op", () => {
      creditLine
        .given([...withLoanA, loanCancelled("tx-1", 500_000n, 44_250n, 5_000n)])
        .when(cancelLoan("tx-1", 500_000n, 44_250n, 5_000n))
        .yields([]);
    });
    it("a cancellation of a loan that was never opened is refused", () => {
      creditLine
        .given(withLoanA)
        .when(cancelLoan("tx-2", 1n, 0n, 0n))
        .rejects("loan_must_exist");
    });
    // Suspected bug: CancelLoan does not bound its amounts by the loan, so the part beyond what the loan
    // still owes is booked as a refund due to the buyer, though the buyer never repaid it (the event's own
    // doc: "what the buyer had already repaid of the cancelled part"). The checkout decider keeps its
    // cancellations within the settled amount, but the credit line should not rely on it.
    it("a cancellation larger than the loan is refused, never refunded beyond what was repaid", () => {
      const before = state(withLoanA);
      let events: readonly CreditLineEvent[] = [];
      expect(() => {
        events = creditLineDecider.decide(cancelLoan("tx-1", 2_000_000n, 0n, 0n), before, testMeta);
      }).toThrow(Rejection);
      expect(events).toEqual([]);
    });
    it("a new hold is placed at the due date itself: not yet overdue", () => {
      creditLine
        .given(withLoanA)
        .when(placeHold("tx-9", 100_000n, 1), { now: at(30) })
        .yields([held("tx-9", 100_000n, 1)]);
    });
    it("a retry of a repayment applied earlier is a no-op, whatever it carries", () => {
      creditLine.given(partlyRepaid).when(repay("repay-1", 372_833n)).yields([]);
      creditLine.given(partlyRepaid).when(repay("repay-1", 0n)).yields([]);
      creditLine.given(partlyRepaid).when(repay("repay-1", 10_000_000n)).yields([]);
    });
  });

  describe("when a loan is partly repaid", () => {
    it("a full cancellation refunds exactly what was repaid and restores the outstanding principal", () => {
      expect(state(partlyRepaid).usedMinor).toBe(666_667n);
      const step = creditLine.given(partlyRepaid).when(cancelLoan("tx-1", 1_000_000n, 88_500n, 10_000n));
      step.yields([
        loanCancelled("tx-1", 1_000_000n, 88_500n, 10_000n, {
          principalMinor: 333_333n,
          interestMinor: 29_500n,
          feeMinor: 10_000n,
        }),
      ]);
      const after = step.state();
      expect([after.usedMinor, principalOwed(after), outstandingMinor(after)]).toEqual([0n, 0n, 0n]);
      expect(after.refundDueMinor).toBe(372_833n);
      expect(availableFor(after, 1)).toBe(10_000_000n);
    });
    it("a partial cancellation refunds only the repaid part it takes back: here the fee's share", () => {
      // Half of it: principal and interest come off installments 3 and 2, still owed; the 5,000 share of the
      // processing fee was repaid with installment 1, so it is refunded.
      const step = creditLine.given(partlyRepaid).when(cancelLoan("tx-1", 500_000n, 44_250n, 5_000n));
      step.yields([loanCancelled("tx-1", 500_000n, 44_250n, 5_000n, { feeMinor: 5_000n })]);
      const after = step.state();
      expect(after.loans.get("tx-1")?.installments).toEqual([
        installment(1, at(30), 0n, 0n, 0n),
        installment(2, at(60), 166_667n, 14_750n, 0n),
        installment(3, at(90), 0n, 0n, 0n),
      ]);
      expect([after.usedMinor, principalOwed(after), after.refundDueMinor]).toEqual([
        166_667n,
        166_667n,
        5_000n,
      ]);
    });
    it("a cancellation of more principal than is still owed refunds the repaid principal", () => {
      // 800,000 principal: 666,667 still owed comes off, the other 133,333 was repaid and is refunded.
      const step = creditLine.given(partlyRepaid).when(cancelLoan("tx-1", 800_000n, 0n, 0n));
      step.yields([loanCancelled("tx-1", 800_000n, 0n, 0n, { principalMinor: 133_333n })]);
      expect(step.state().usedMinor).toBe(0n);
    });
    it("the next repayment goes to the second installment", () => {
      creditLine
        .given(partlyRepaid)
        .when(repay("repay-2", 100_000n))
        .yields([repaid("repay-2", 100_000n, [allocation("tx-1", 2, 70_500n, 29_500n, 0n)])]);
    });
  });

  describe("when two loans are open", () => {
    // Loan tx-1: 1,000,000 over 1 month at T0 (due day 30). Loan tx-2: 500,000 over 3 months a day later
    // (due days 31, 61, 91): interest 44,250 = 14,750 a month, fee 5,000, principal 166,666 / 166,666 / 166,668.
    const termsOne = loanOf(T0, 0n, 10_000n);
    const termsTwo = loanOf(at(1), 44_250n, 5_000n);
    const twoLoans = [
      ...open,
      held("tx-1", 1_000_000n, 1),
      captured("tx-1", 1_000_000n, 1),
      loanOpened("tx-1", 1, 1_000_000n, termsOne, [installment(1, at(30), 1_000_000n, 0n, 10_000n)]),
      held("tx-2", 500_000n, 3),
      captured("tx-2", 500_000n, 3),
      loanOpened("tx-2", 3, 500_000n, termsTwo, [
        installment(1, at(31), 166_666n, 14_750n, 5_000n),
        installment(2, at(61), 166_666n, 14_750n, 0n),
        installment(3, at(91), 166_668n, 14_750n, 0n),
      ]),
    ];
    const firstRepayment = repaid("repay-1", 1_100_000n, [
      allocation("tx-1", 1, 1_000_000n, 0n, 10_000n),
      allocation("tx-2", 1, 70_250n, 14_750n, 5_000n),
    ]);
    it("a repayment clears the older loan, then pays the newer one's first installment", () => {
      creditLine.given(twoLoans).when(repay("repay-1", 1_100_000n)).yields([firstRepayment]);
    });
    it("the next repayment continues where the last one stopped", () => {
      // 96,416 finishes installment 1's principal; the other 103,584 pays installment 2's interest and 88,834.
      const step = creditLine.given([...twoLoans, firstRepayment]).when(repay("repay-2", 200_000n));
      step.yields([
        repaid("repay-2", 200_000n, [
          allocation("tx-2", 1, 96_416n, 0n, 0n),
          allocation("tx-2", 2, 88_834n, 14_750n, 0n),
        ]),
      ]);
      const after = step.state();
      expect([after.usedMinor, principalOwed(after)]).toEqual([244_500n, 244_500n]);
    });
    it("more than both loans owe together is refused", () => {
      // 1,010,000 + 549,250.
      expect(outstandingMinor(state(twoLoans))).toBe(1_559_250n);
      creditLine
        .given(twoLoans)
        .when(repay("repay-1", 1_559_251n))
        .rejects("repayment_must_not_exceed_outstanding");
    });
    it("cancelling one loan leaves the other as it was", () => {
      const after = creditLine
        .given(twoLoans)
        .when(cancelLoan("tx-1", 1_000_000n, 0n, 10_000n))
        .state();
      expect(after.loans.get("tx-2")).toEqual(state(twoLoans).loans.get("tx-2"));
      expect([after.usedMinor, outstandingMinor(after)]).toEqual([500_000n, 549_250n]);
    });
    // Suspected bug: repayments are applied loan by loan (every installment of the older loan, then the
    // newer), not oldest installment first as RepaymentApplied's doc says. With loan A (3 months, opened at
    // T0) and a 1-month loan opened a day later, a repayment after A's first installment pays A's second
    // (due day 60) before the newer loan's only installment (due day 31): the buyer who paid enough to cover
    // what is due is still overdue on day 32 and denied new checkouts.
    it("a repayment pays the installment due first, across loans", () => {
      const termsB = loanOf(at(1), 0n, 5_000n);
      const history = [
        ...partlyRepaid,
        held("tx-2", 500_000n, 1),
        captured("tx-2", 500_000n, 1),
        loanOpened("tx-2", 1, 500_000n, termsB, [installment(1, at(31), 500_000n, 0n, 5_000n)]),
      ];
      creditLine
        .given(history)
        .when(repay("repay-2", 505_000n))
        .yields([repaid("repay-2", 505_000n, [allocation("tx-2", 1, 500_000n, 0n, 5_000n)])]);
    });
  });

  describe("when overdue", () => {
    it("a new hold is refused the moment after a due date passes unpaid", () => {
      expect(hasOverdueDebt(state(withLoanA), at(30))).toBe(false);
      expect(hasOverdueDebt(state(withLoanA), at(30, 1))).toBe(true);
      creditLine
        .given(withLoanA)
        .when(placeHold("tx-9", 100_000n, 1), { now: at(30, 1) })
        .rejects("buyer_must_not_have_overdue_debt");
    });
    it("an installment partly repaid is still overdue", () => {
      creditLine
        .given([...withLoanA, repaid("repay-1", 50_000n, [allocation("tx-1", 1, 10_500n, 29_500n, 10_000n)])])
        .when(placeHold("tx-9", 100_000n, 1), { now: at(31) })
        .rejects("buyer_must_not_have_overdue_debt");
    });
    it("repaying the installment lifts it, until the next due date passes unpaid", () => {
      creditLine
        .given(partlyRepaid)
        .when(placeHold("tx-9", 100_000n, 1), { now: at(31) })
        .yields([held("tx-9", 100_000n, 1)]);
      creditLine
        .given(partlyRepaid)
        .when(placeHold("tx-9", 100_000n, 1), { now: at(60, 1) })
        .rejects("buyer_must_not_have_overdue_debt");
    });
    it("a cancelled loan owes nothing, so is never overdue", () => {
      creditLine
        .given([...withLoanA, loanCancelled("tx-1", 1_000_000n, 88_500n, 10_000n)])
        .when(placeHold("tx-9", 100_000n, 1), { now: at(100) })
        .yields([held("tx-9", 100_000n, 1)]);
    });
    it("a hold placed before it became overdue is still a retry", () => {
      creditLine
        .given([...withLoanA, held("tx-9", 100_000n, 1)])
        .when(placeHold("tx-9", 100_000n, 1), { now: at(31) })
        .yields([]);
    });
    it("repayments are still taken", () => {
      creditLine
        .given(withLoanA)
        .when(repay("repay-1", 372_833n, at(45)), { now: at(45) })
        .yields([repaid("repay-1", 372_833n, [allocation("tx-1", 1, 333_333n, 29_500n, 10_000n)], at(45))]);
    });
  });

  describe("when a loan is repaid or cancelled, its tenure's cap", () => {
    // A 1,000,000 line offering only tenure 1, all of it used by one loan.
    const small = [limitSet(1_000_000n, [{ tenure: 1, limitMinor: 1_000_000n }])];
    const usedUp = [
      ...small,
      held("tx-1", 1_000_000n, 1),
      captured("tx-1", 1_000_000n, 1),
      loanOpened("tx-1", 1, 1_000_000n, loanOf(), [installment(1, at(30), 1_000_000n, 0n, 0n)]),
    ];
    it("is used up while the loan is owed", () => {
      creditLine
        .given(usedUp)
        .when(placeHold("tx-2", 1n, 1))
        .rejects("credit_limit_must_cover_amount");
    });
    // Suspected bug: availableFor counts every captured hold against its tenure's cap for ever
    // (outstandingOn sums holds that are not released), while the line's headroom follows usedMinor, which
    // repayments and cancellations lower. A buyer who repays a loan gets the line back but never the tenure:
    // here the only tenure offered stays at zero although nothing is owed.
    it("comes back when the loan is repaid", () => {
      const repaidInFull = [
        ...usedUp,
        repaid("repay-1", 1_000_000n, [allocation("tx-1", 1, 1_000_000n, 0n, 0n)]),
      ];
      expect(availableFor(state(repaidInFull), 1)).toBe(1_000_000n);
      creditLine
        .given(repaidInFull)
        .when(placeHold("tx-2", 1_000_000n, 1))
        .yields([held("tx-2", 1_000_000n, 1)]);
    });
    // The same suspected bug, through a cancellation.
    it("comes back when the loan is cancelled", () => {
      const cancelledInFull = [...usedUp, loanCancelled("tx-1", 1_000_000n, 0n, 0n)];
      expect(availableFor(state(cancelledInFull), 1)).toBe(1_000_000n);
    });
  });

  it("Repay checks its rules in precedence order", () => {
    // A zero or negative amount never exceeds what is outstanding, so the first row breaks its rule alone,
    // on a line with nothing outstanding.
    const rows: { rule: string; given: readonly CreditLineEvent[]; command: CreditLineCommand }[] = [
      { rule: "repayment_amount_must_be_positive", given: open, command: repay("repay-1", 0n) },
      { rule: "repayment_amount_must_be_positive", given: withLoanA, command: repay("repay-1", -5n) },
      { rule: "repayment_must_not_exceed_outstanding", given: open, command: repay("repay-1", 1n) },
      {
        rule: "repayment_must_not_exceed_outstanding",
        given: partlyRepaid,
        command: repay("repay-2", 725_668n),
      },
    ];
    for (const row of rows) creditLine.given(row.given).when(row.command).rejects(row.rule);
    expect(inOrder(rows)).toEqual(CREDIT_LINE_RULES.Repay);
    // A repayment id already applied is a retry before any rule.
    creditLine.given(partlyRepaid).when(repay("repay-1", -5n)).yields([]);
    creditLine.given(partlyRepaid).when(repay("repay-1", 725_668n)).yields([]);
  });

  describe("evolve refuses an impossible history", () => {
    const impossible: [string, CreditLineEvent[]][] = [
      [
        "a hold captured twice",
        [...open, held("tx-1", 1n, 1), captured("tx-1", 1n, 1), captured("tx-1", 1n, 1)],
      ],
      [
        "a hold released after capture",
        [...open, held("tx-1", 1n, 1), captured("tx-1", 1n, 1), released("tx-1", 1n, 1)],
      ],
      ["a hold captured that was never placed", [...open, captured("tx-1", 1n, 1)]],
      ["a transaction held twice", [...open, held("tx-1", 1n, 1), held("tx-1", 1n, 1)]],
      ["a hold beyond the limit", [...open, held("tx-1", 10_000_001n, 1)]],
      ["a hold on a line with no limit", [held("tx-1", 1n, 1)]],
      ["a limit set below what is held", [...open, held("tx-1", 5n, 1), limitSet(4n, [])]],
      ["a loan opened twice", [...withLoanA, loanAOpened]],
      [
        "a repayment beyond an installment's principal",
        [...withLoanA, repaid("repay-1", 372_834n, [allocation("tx-1", 1, 333_334n, 29_500n, 10_000n)])],
      ],
      [
        "a repayment of a loan never opened",
        [...withLoanA, repaid("repay-1", 1n, [allocation("tx-2", 1, 1n, 0n, 0n)])],
      ],
      ["a cancellation of a loan never opened", [...withLoanA, loanCancelled("tx-2", 1n, 0n, 0n)]],
      [
        "a cancellation neither taken off the loan nor refunded",
        [...withLoanA, loanCancelled("tx-1", 1_000_000n, 0n, 0n, { principalMinor: 1n })],
      ],
    ];
    it.each(impossible)("%s", (_name, history) => {
      expect(() => fold(creditLineDecider, history)).toThrow(InvariantViolation);
    });
  });

  describe("after any sequence of commands", () => {
    const tenure = fc.constantFrom<Tenure>(1, 3, 6, 12);
    const transactionId = fc.constantFrom("tx-1", "tx-2", "tx-3");
    const limit = (totalMinor: fc.Arbitrary<bigint>, limitMinor: fc.Arbitrary<bigint>) =>
      fc.record({
        type: fc.constant("SetLimit" as const),
        line: fc.constant(kredivoLine("user-1")),
        limit: fc.record({
          kind: fc.constant("instalment" as const),
          totalMinor,
          perTenureMinor: fc.uniqueArray(fc.record({ tenure, limitMinor }), {
            selector: (t) => t.tenure,
            maxLength: 4,
          }),
        }),
        reason: fc.constant("review"),
      });
    // Loans opened at T0 owe nothing yet; those opened in September or October are overdue at T0, so later
    // holds meet buyer_must_not_have_overdue_debt until the overdue installments are repaid or cancelled.
    const loan: fc.Arbitrary<LoanTermsOf> = fc.record({
      kind: fc.constant("loan" as const),
      merchantId: fc.constant("merchant-1"),
      openedAt: fc.constantFrom(T0, T0, "2026-09-01T00:00:00.000Z", "2026-10-20T12:00:00.000Z"),
      interestMinor: fc.bigInt({ min: 0n, max: 200n }),
      processingFeeMinor: fc.bigInt({ min: 0n, max: 50n }),
    });
    const command: fc.Arbitrary<CreditLineCommand> = fc.oneof(
      {
        arbitrary: limit(fc.bigInt({ min: -10n, max: 2_000n }), fc.bigInt({ min: -10n, max: 1_000n })),
        weight: 1,
      },
      {
        arbitrary: fc.record({
          type: fc.constant("PlaceHold" as const),
          transactionId,
          amountMinor: fc.bigInt({ min: -10n, max: 800n }),
          tenure,
        }),
        weight: 4,
      },
      {
        arbitrary: fc.record({ type: fc.constant("CaptureHold" as const), transactionId, terms: loan }),
        weight: 4,
      },
      {
        arbitrary: fc.record({
          type: fc.constant("ReleaseHold" as const),
          transactionId,
          reason: fc.constant("aborted"),
        }),
        weight: 2,
      },
      {
        arbitrary: fc.record({
          type: fc.constant("Repay" as const),
          repaymentId: fc.constantFrom("repay-1", "repay-2", "repay-3", "repay-4"),
          amountMinor: fc.oneof(
            { arbitrary: fc.bigInt({ min: 1n, max: 300n }), weight: 4 },
            { arbitrary: fc.bigInt({ min: -10n, max: 3_000n }), weight: 1 },
          ),
          bankReference: fc.constant("BANK-1"),
          receivedAt: fc.constant(T0),
        }),
        weight: 4,
      },
      {
        // Amounts are bounded below by what the loan has left uncancelled, as the checkout's cancellations are.
        arbitrary: fc.record({
          type: fc.constant("CancelLoan" as const),
          transactionId,
          cancellationId: fc.constantFrom(
            "cancel-1",
            "cancel-2",
            "cancel-3",
            "cancel-4",
            "cancel-5",
            "cancel-6",
          ),
          principalMinor: fc.bigInt({ min: 0n, max: 900n }),
          interestMinor: fc.bigInt({ min: 0n, max: 200n }),
          feeMinor: fc.bigInt({ min: 0n, max: 50n }),
        }),
        weight: 3,
      },
    );
    // Most sequences start from a line offering every tenure, so that holds are placed and closed, not only refused.
    const cap = fc.bigInt({ min: 0n, max: 2_000n });
    const opening = fc.tuple(cap, cap, cap, cap).map(
      ([c1, c3, c6, c12]): CreditLineCommand => ({
        type: "SetLimit",
        line: kredivoLine("user-1"),
        limit: {
          kind: "instalment",
          totalMinor: 2_000n,
          perTenureMinor: [
            { tenure: 1, limitMinor: c1 },
            { tenure: 3, limitMinor: c3 },
            { tenure: 6, limitMinor: c6 },
            { tenure: 12, limitMinor: c12 },
          ],
        },
        reason: "onboarding",
      }),
    );
    const commands = fc
      .tuple(fc.option(opening, { freq: 5 }), fc.array(command, { maxLength: 60, size: "large" }))
      .map(([first, rest]) => (first ? [first, ...rest] : rest));
    const runs = { numRuns: 300 };

    type Parts = { principalMinor: bigint; interestMinor: bigint; feeMinor: bigint };
    const total = (p: Parts) => p.principalMinor + p.interestMinor + p.feeMinor;
    const plus = (a: Parts, b: Parts): Parts => ({
      principalMinor: a.principalMinor + b.principalMinor,
      interestMinor: a.interestMinor + b.interestMinor,
      feeMinor: a.feeMinor + b.feeMinor,
    });
    const NONE: Parts = { principalMinor: 0n, interestMinor: 0n, feeMinor: 0n };
    const min = (a: bigint, b: bigint) => (a < b ? a : b);

    /** What the test itself knows of each loan, from the events alone. */
    interface Book {
      opened: Parts;
      repaid: Parts;
      cancelled: Parts;
      refundDue: Parts;
    }
    const record = (books: Map<string, Book>, event: CreditLineEvent) => {
      switch (event.type) {
        case "LoanOpened":
          books.set(event.data.transactionId, {
            opened: {
              principalMinor: event.data.principalMinor,
              interestMinor: event.data.interestMinor,
              feeMinor: event.data.processingFeeMinor,
            },
            repaid: NONE,
            cancelled: NONE,
            refundDue: NONE,
          });
          return;
        case "RepaymentApplied":
          for (const a of event.data.allocations) {
            const book = books.get(a.transactionId)!;
            books.set(a.transactionId, { ...book, repaid: plus(book.repaid, a) });
          }
          return;
        case "LoanCancelled": {
          const book = books.get(event.data.transactionId)!;
          books.set(event.data.transactionId, {
            ...book,
            cancelled: plus(book.cancelled, event.data),
            refundDue: plus(book.refundDue, event.data.refundDue),
          });
          return;
        }
        default:
          return;
      }
    };
    /** A CancelLoan takes at most what its loan has left uncancelled, as a checkout's cancellations do. */
    const bounded = (c: CreditLineCommand, books: ReadonlyMap<string, Book>): CreditLineCommand => {
      const book = c.type === "CancelLoan" ? books.get(c.transactionId) : undefined;
      if (c.type !== "CancelLoan" || !book) return c;
      return {
        ...c,
        principalMinor: min(c.principalMinor, book.opened.principalMinor - book.cancelled.principalMinor),
        interestMinor: min(c.interestMinor, book.opened.interestMinor - book.cancelled.interestMinor),
        feeMinor: min(c.feeMinor, book.opened.feeMinor - book.cancelled.feeMinor),
      };
    };

    /** Runs the commands, skipping rejections; anything else thrown (an InvariantViolation) fails. */
    const run = (
      commands: readonly CreditLineCommand[],
      check: (
        before: CreditLineState,
        command: CreditLineCommand,
        events: readonly CreditLineEvent[],
        books: ReadonlyMap<string, Book>,
      ) => void,
    ) => {
      let current = creditLineDecider.initialState;
      const books = new Map<string, Book>();
      for (const generated of commands) {
        const c = bounded(generated, books);
        let events: readonly CreditLineEvent[];
        try {
          events = creditLineDecider.decide(c, current, testMeta);
        } catch (error) {
          if (error instanceof Rejection) continue;
          throw error;
        }
        const next = events.reduce(creditLineDecider.evolve, current);
        for (const event of events) record(books, event);
        check(current, c, events, books);
        current = next;
      }
    };

    it("held + used never exceed the limit, held is the open holds, used is exactly the principal owed", () => {
      fc.assert(
        fc.property(commands, (sequence) => {
          run(sequence, (before, _command, events) => {
            const s = events.reduce(creditLineDecider.evolve, before);
            expect(s.heldMinor + s.usedMinor).toBeLessThanOrEqual(s.totalMinor);
            let heldSum = 0n;
            let capturedSum = 0n;
            for (const hold of s.holds.values()) {
              if (hold.state === "held") heldSum += hold.amountMinor;
              if (hold.state === "captured") capturedSum += hold.amountMinor;
            }
            expect(s.heldMinor).toBe(heldSum);
            expect(s.usedMinor).toBe(principalOwed(s));
            expect(s.usedMinor).toBeLessThanOrEqual(capturedSum);
            // Every captured hold became a loan of its amount.
            for (const [id, hold] of s.holds)
              if (hold.state === "captured") expect(s.loans.has(id)).toBe(true);
            expect(s.loans.size).toBe([...s.holds.values()].filter((h) => h.state === "captured").length);
          });
        }),
        runs,
      );
    });

    it("what is available is never negative", () => {
      fc.assert(
        fc.property(commands, (sequence) => {
          run(sequence, (before, _command, events) => {
            const s = events.reduce(creditLineDecider.evolve, before);
            for (const t of [1, 3, 6, 12] as const) expect(availableFor(s, t)).toBeGreaterThanOrEqual(0n);
            expect(s.totalMinor - s.heldMinor - s.usedMinor).toBeGreaterThanOrEqual(0n);
          });
        }),
        runs,
      );
    });

    it("nothing is repaid twice: each unit of a loan is repaid, owed or cancelled exactly once", () => {
      fc.assert(
        fc.property(commands, (sequence) => {
          run(sequence, (before, _command, events, books) => {
            const s = events.reduce(creditLineDecider.evolve, before);
            for (const event of events) {
              if (event.type !== "RepaymentApplied") continue;
              expect(includes(before.repaymentIds, event.data.repaymentId)).toBe(false);
              expect(event.data.amountMinor).toBeGreaterThan(0n);
              expect(event.data.allocations.reduce((sum, a) => sum + total(a), 0n)).toBe(
                event.data.amountMinor,
              );
              const keys = event.data.allocations.map((a) => `${a.transactionId}#${a.installment}`);
              expect(new Set(keys).size).toBe(keys.length);
              for (const a of event.data.allocations) {
                const owed = before.loans
                  .get(a.transactionId)!
                  .installments.find((i) => i.number === a.installment)!;
                expect(a.feeMinor).toBeLessThanOrEqual(owed.feeMinor);
                expect(a.interestMinor).toBeLessThanOrEqual(owed.interestMinor);
                expect(a.principalMinor).toBeLessThanOrEqual(owed.principalMinor);
                // Within an installment: the fee, then the interest, then the principal.
                if (a.interestMinor > 0n) expect(a.feeMinor).toBe(owed.feeMinor);
                if (a.principalMinor > 0n)
                  expect([a.feeMinor, a.interestMinor]).toEqual([owed.feeMinor, owed.interestMinor]);
              }
            }
            // Oldest installment first within a loan: after a repayment, every installment before the last one
            // it touched owes nothing. (Across loans the order is the suspected bug above, not asserted here.)
            for (const event of events) {
              if (event.type !== "RepaymentApplied") continue;
              for (const a of event.data.allocations) {
                const earlier = s.loans
                  .get(a.transactionId)!
                  .installments.filter((i) => i.number < a.installment);
                for (const i of earlier) expect(total(i)).toBe(0n);
              }
            }
            let refunds = 0n;
            for (const [id, book] of books) {
              const owed = s.loans.get(id)!.installments.reduce<Parts>((sum, i) => plus(sum, i), NONE);
              const refundDueMinor = total(book.refundDue);
              // opened = repaid + owed + (cancelled − refunded), part by part.
              const taken = total(book.cancelled) - refundDueMinor;
              expect(total(book.repaid) + total(owed) + taken).toBe(total(book.opened));
              expect(book.repaid.principalMinor + owed.principalMinor).toBeLessThanOrEqual(
                book.opened.principalMinor,
              );
              // A refund gives back only what was repaid.
              expect(refundDueMinor).toBeGreaterThanOrEqual(0n);
              expect(refundDueMinor).toBeLessThanOrEqual(total(book.repaid));
              // And so component by component: what the journal's receivable of each holds (settled − repaid
              // − cancelled + refunded) is exactly what the installments still owe of it, never below zero.
              for (const part of ["principalMinor", "interestMinor", "feeMinor"] as const) {
                expect(book.refundDue[part]).toBeGreaterThanOrEqual(0n);
                expect(book.refundDue[part]).toBeLessThanOrEqual(book.repaid[part]);
                expect(
                  book.opened[part] - book.repaid[part] - book.cancelled[part] + book.refundDue[part],
                ).toBe(owed[part]);
              }
              refunds += refundDueMinor;
            }
            expect(s.refundDueMinor).toBe(refunds);
          });
        }),
        runs,
      );
    });

    it("a new hold never exceeds what was available on its tenure", () => {
      fc.assert(
        fc.property(commands, (sequence) => {
          run(sequence, (before, _command, events) => {
            for (const event of events)
              if (event.type === "CreditHeld")
                expect(event.data.amountMinor).toBeLessThanOrEqual(availableFor(before, event.data.tenure));
          });
        }),
        runs,
      );
    });

    it("a command repeated at once changes nothing more", () => {
      fc.assert(
        fc.property(commands, (sequence) => {
          run(sequence, (before, c, events) => {
            if (c.type === "SetLimit" || events.length === 0) return;
            const after = events.reduce(creditLineDecider.evolve, before);
            expect(creditLineDecider.decide(c, after, testMeta)).toEqual([]);
          });
        }),
        runs,
      );
    });
  });
});
