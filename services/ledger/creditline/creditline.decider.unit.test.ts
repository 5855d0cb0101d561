import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fold, InvariantViolation, Rejection } from "../decider.ts";
import { spec, testMeta } from "../testing/decider-spec.ts";
import {
  availableFor,
  type CreditLineCommand,
  type CreditLineState,
  creditLineDecider,
} from "./creditline.decider.ts";
import type { CreditLineEvent, Tenure } from "./creditline.events.ts";

const creditLine = spec(creditLineDecider);

const limitSet = (
  totalMinor: bigint,
  perTenureMinor: { tenure: Tenure; limitMinor: bigint }[],
  reason = "onboarding",
): CreditLineEvent => ({
  type: "CreditLimitSet",
  data: { userId: "user-1", currency: "VND", totalMinor, perTenureMinor, setBy: testMeta.actor, reason },
});
const held = (transactionId: string, amountMinor: bigint, tenure: Tenure): CreditLineEvent => ({
  type: "CreditHeld",
  data: { transactionId, amountMinor, tenure },
});
const captured = (transactionId: string, amountMinor: bigint, tenure: Tenure): CreditLineEvent => ({
  type: "CreditHoldCaptured",
  data: { transactionId, amountMinor, tenure },
});
const released = (
  transactionId: string,
  amountMinor: bigint,
  tenure: Tenure,
  reason = "aborted",
): CreditLineEvent => ({ type: "CreditHoldReleased", data: { transactionId, amountMinor, tenure, reason } });

const setLimit = (
  totalMinor: bigint,
  perTenureMinor: { tenure: Tenure; limitMinor: bigint }[],
  reason = "onboarding",
): CreditLineCommand => ({ type: "SetLimit", userId: "user-1", totalMinor, perTenureMinor, reason });
const placeHold = (transactionId: string, amountMinor: bigint, tenure: Tenure): CreditLineCommand => ({
  type: "PlaceHold",
  transactionId,
  amountMinor,
  tenure,
});
const capture = (transactionId: string): CreditLineCommand => ({ type: "CaptureHold", transactionId });
const release = (transactionId: string, reason = "aborted"): CreditLineCommand => ({
  type: "ReleaseHold",
  transactionId,
  reason,
});

// A 10,000,000 VND line offering tenures 1 and 3 up to the whole line.
const open = [
  limitSet(10_000_000n, [
    { tenure: 1, limitMinor: 10_000_000n },
    { tenure: 3, limitMinor: 10_000_000n },
  ]),
];
const state = (history: readonly CreditLineEvent[]): CreditLineState => fold(creditLineDecider, history);

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
              userId: "user-1",
              currency: "VND",
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
      const capturedOn3 = [...capped, held("tx-1", 3_000_000n, 3), captured("tx-1", 3_000_000n, 3)];
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
      const step = creditLine.given(holding).when(capture("tx-1"));
      step.yields([captured("tx-1", 4_000_000n, 3)]);
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
    const capturedHold = [...open, held("tx-1", 4_000_000n, 3), captured("tx-1", 4_000_000n, 3)];
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
    // t-1 was held for the whole 1M line and captured: nothing is available, tenure 12 is not offered.
    const closed = [
      limitSet(1_000_000n, [{ tenure: 3, limitMinor: 1_000_000n }]),
      held("t-1", 1_000_000n, 3),
      captured("t-1", 1_000_000n, 3),
    ];
    // Each row breaks its rule and every later one a reachable state allows: a closed hold needs an open
    // line, and an amount of zero or less is never more than what is available.
    const rows: {
      rule: string;
      breaks: string;
      given: readonly CreditLineEvent[];
      command: CreditLineCommand;
    }[] = [
      {
        rule: "amount_must_be_positive",
        breaks: "amount, open, tenure",
        given: [],
        command: placeHold("t-1", 0n, 12),
      },
      {
        rule: "amount_must_be_positive",
        breaks: "amount, closed, tenure",
        given: closed,
        command: placeHold("t-1", 0n, 12),
      },
      {
        rule: "credit_line_must_be_open",
        breaks: "open, tenure, cover",
        given: [],
        command: placeHold("t-1", 1n, 12),
      },
      {
        rule: "hold_must_not_be_closed",
        breaks: "closed, tenure, cover",
        given: closed,
        command: placeHold("t-1", 1n, 12),
      },
      {
        rule: "tenure_must_be_offered",
        breaks: "tenure, cover",
        given: closed,
        command: placeHold("t-2", 1n, 12),
      },
      {
        rule: "credit_limit_must_cover_amount",
        breaks: "cover",
        given: closed,
        command: placeHold("t-2", 1n, 3),
      },
    ];
    for (const row of rows) creditLine.given(row.given).when(row.command).rejects(row.rule);
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
    ];
    it.each(impossible)("%s", (_name, history) => {
      expect(() => fold(creditLineDecider, history)).toThrow(InvariantViolation);
    });
  });

  describe("after any sequence of commands", () => {
    const tenure = fc.constantFrom<Tenure>(1, 3, 6, 12);
    const transactionId = fc.constantFrom("tx-1", "tx-2", "tx-3", "tx-4", "tx-5");
    const limit = (totalMinor: fc.Arbitrary<bigint>, limitMinor: fc.Arbitrary<bigint>) =>
      fc.record({
        type: fc.constant("SetLimit" as const),
        userId: fc.constant("user-1"),
        totalMinor,
        perTenureMinor: fc.uniqueArray(fc.record({ tenure, limitMinor }), {
          selector: (t) => t.tenure,
          maxLength: 4,
        }),
        reason: fc.constant("review"),
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
      { arbitrary: fc.record({ type: fc.constant("CaptureHold" as const), transactionId }), weight: 2 },
      {
        arbitrary: fc.record({
          type: fc.constant("ReleaseHold" as const),
          transactionId,
          reason: fc.constant("aborted"),
        }),
        weight: 2,
      },
    );
    // Most sequences start from a line offering every tenure, so that holds are placed and closed, not only refused.
    const cap = fc.bigInt({ min: 0n, max: 2_000n });
    const opening = fc.tuple(cap, cap, cap, cap).map(
      ([c1, c3, c6, c12]): CreditLineCommand => ({
        type: "SetLimit",
        userId: "user-1",
        totalMinor: 2_000n,
        perTenureMinor: [
          { tenure: 1, limitMinor: c1 },
          { tenure: 3, limitMinor: c3 },
          { tenure: 6, limitMinor: c6 },
          { tenure: 12, limitMinor: c12 },
        ],
        reason: "onboarding",
      }),
    );
    const commands = fc
      .tuple(fc.option(opening, { freq: 5 }), fc.array(command, { maxLength: 40 }))
      .map(([first, rest]) => (first ? [first, ...rest] : rest));
    const runs = { numRuns: 300 };

    /** Runs the commands, skipping rejections; anything else thrown (an InvariantViolation) fails. */
    const run = (
      commands: readonly CreditLineCommand[],
      check: (
        before: CreditLineState,
        command: CreditLineCommand,
        events: readonly CreditLineEvent[],
      ) => void,
    ) => {
      let current = creditLineDecider.initialState;
      for (const c of commands) {
        let events: readonly CreditLineEvent[];
        try {
          events = creditLineDecider.decide(c, current, testMeta);
        } catch (error) {
          if (error instanceof Rejection) continue;
          throw error;
        }
        const next = events.reduce(creditLineDecider.evolve, current);
        check(current, c, events);
        current = next;
      }
    };

    it("held + used never exceed the limit, and both are the sums of the holds", () => {
      fc.assert(
        fc.property(commands, (sequence) => {
          run(sequence, (before, _command, events) => {
            const s = events.reduce(creditLineDecider.evolve, before);
            expect(s.heldMinor + s.usedMinor).toBeLessThanOrEqual(s.totalMinor);
            let heldSum = 0n;
            let usedSum = 0n;
            for (const hold of s.holds.values()) {
              if (hold.state === "held") heldSum += hold.amountMinor;
              if (hold.state === "captured") usedSum += hold.amountMinor;
            }
            expect([s.heldMinor, s.usedMinor]).toEqual([heldSum, usedSum]);
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

    it("a hold command repeated at once changes nothing more", () => {
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
