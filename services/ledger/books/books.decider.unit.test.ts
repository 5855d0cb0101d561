import { describe, expect, it } from "vitest";
import { Rejection } from "../decider.ts";
import { spec } from "../testing/decider-spec.ts";
import { type BooksCommand, booksDecider, type DayClose } from "./books.decider.ts";
import type { BooksEvent } from "./books.events.ts";

const NOW = { now: "2026-12-03T08:00:00.000Z" };

const close = (day: string, movements: DayClose["movements"] = []): BooksCommand => ({
  type: "CloseDay",
  close: { currency: "VND", day, closedThroughPosition: "10", movements, late: [] },
});
const moved = (accountClass: string, debitMinor: bigint, creditMinor: bigint) => ({
  accountClass,
  debitMinor,
  creditMinor,
});

const closedDay1: BooksEvent = {
  type: "DayClosed",
  data: {
    currency: "VND",
    day: "2026-12-01",
    closedThroughPosition: "10",
    opening: [],
    movements: [moved("customer-receivable", 100n, 0n), moved("merchant-payable", 0n, 100n)],
    closing: [
      { accountClass: "customer-receivable", balanceMinor: 100n },
      { accountClass: "merchant-payable", balanceMinor: -100n },
    ],
    late: [],
  },
};

describe("books", () => {
  describe("when no day is closed", () => {
    it("closes any day that is over, opening at zero and closing at its movements", () => {
      spec(booksDecider)
        .given([])
        .when(close("2026-12-01", closedDay1.data.movements), NOW)
        .yields([closedDay1]);
    });

    it.each([
      ["day_must_be_over", close("2026-12-03")],
      ["day_must_be_over", close("2026-12-04")],
    ])("refuses %s", (rule, command) => {
      spec(booksDecider).given([]).when(command, NOW).rejects(rule);
    });
  });

  describe("when a day is closed", () => {
    it("opens the next day where it closed", () => {
      const [next] = booksDecider.decide(
        close("2026-12-02", [moved("cash", 0n, 40n), moved("customer-receivable", 0n, -40n)]),
        booksDecider.evolve(booksDecider.initialState, closedDay1),
        { ...NOW, actor: "t", correlationId: "c", causationId: "c", tenantId: "t" },
      );
      expect(next?.data.opening).toEqual(closedDay1.data.closing);
      expect(next?.data.closing).toEqual([
        { accountClass: "cash", balanceMinor: -40n },
        { accountClass: "customer-receivable", balanceMinor: 140n },
        { accountClass: "merchant-payable", balanceMinor: -100n },
      ]);
    });

    it("changes nothing when that day or an earlier one is closed again", () => {
      spec(booksDecider).given([closedDay1]).when(close("2026-12-01"), NOW).yields([]);
      spec(booksDecider).given([closedDay1]).when(close("2026-11-20"), NOW).yields([]);
    });

    it("refuses to skip a day", () => {
      const refusal = spec(booksDecider)
        .given([closedDay1])
        .when(close("2026-12-03", []), { now: "2026-12-09T00:00:00.000Z" })
        .refusal();
      expect(refusal).toBeInstanceOf(Rejection);
      expect(refusal.rule).toBe("day_must_follow_the_last_closed");
    });
  });

  it("rules come in precedence order: a day not over is refused before a skipped one", () => {
    spec(booksDecider).given([closedDay1]).when(close("2026-12-05"), NOW).rejects("day_must_be_over");
  });

  it("evolves day after day, each opening where the last closed", () => {
    const state = spec(booksDecider)
      .given([closedDay1])
      .when(close("2026-12-02", [moved("cash", 5n, 0n), moved("customer-receivable", 0n, 5n)]), NOW)
      .state();
    expect(state.last?.day).toBe("2026-12-02");
  });

  it("asserts that a day opens where the last closed (a bug, not a rejection)", () => {
    const elsewhere: BooksEvent = {
      type: "DayClosed",
      data: { ...closedDay1.data, day: "2026-12-02", opening: [] },
    };
    expect(() => [closedDay1, elsewhere].reduce(booksDecider.evolve, booksDecider.initialState)).toThrow(
      /does not open/,
    );
  });

  it("asserts that a day closes balanced (a bug, not a rejection)", () => {
    const unbalanced: BooksEvent = {
      type: "DayClosed",
      data: { ...closedDay1.data, closing: [{ accountClass: "cash", balanceMinor: 1n }] },
    };
    expect(() => booksDecider.evolve(booksDecider.initialState, unbalanced)).toThrow(/unbalanced/);
  });
});
