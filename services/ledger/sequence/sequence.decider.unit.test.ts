import { describe, expect, it } from "vitest";
import { spec } from "../testing/decider-spec.ts";
import { sequenceDecider } from "./sequence.decider.ts";

const sequence = spec(sequenceDecider);
const issued = (number: number) => ({ type: "NumberIssued" as const, data: { number } });

describe("sequence decider", () => {
  describe("when nothing was issued", () => {
    it("issues 1", () => {
      sequence
        .given([])
        .when({ type: "Issue" })
        .yields([issued(1)]);
    });
  });
  describe("when numbers were issued", () => {
    it("issues the next one", () => {
      sequence
        .given([issued(1), issued(2)])
        .when({ type: "Issue" })
        .yields([issued(3)]);
    });
    it("only the last event matters: folding it alone gives the same next number", () => {
      const state = sequenceDecider.evolve(sequenceDecider.initialState, issued(41));
      expect(sequenceDecider.decide({ type: "Issue" }, state, {} as never)).toEqual([issued(42)]);
    });
  });
});
