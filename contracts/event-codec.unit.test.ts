import { describe, expect, it } from "vitest";
import { z } from "zod";
import { eventCodec, minorUnits } from "./event-codec.ts";

// A refund that grew: v1 stored one amount, v2 named it `amountMinor`, v3 split it per component.
const codec = eventCodec({
  Refunded: {
    schemaVersion: 3,
    data: z.object({ principalMinor: minorUnits, feeMinor: minorUnits }),
    upcast: {
      1: (data) => ({ amountMinor: (data as { amount: string }).amount }),
      // Before v3 the whole refund was principal.
      2: (data) => ({ principalMinor: (data as { amountMinor: string }).amountMinor, feeMinor: "0" }),
    },
  },
  Noted: { schemaVersion: 2, data: z.object({ note: z.string() }) },
});

describe("eventCodec", () => {
  describe("when the log holds the current version", () => {
    it("decodes it as written", () => {
      const event = { type: "Refunded" as const, data: { principalMinor: 700n, feeMinor: 5n } };
      expect(codec.decode(codec.encode(event))).toEqual(event);
    });
  });

  describe("when the log holds an older version", () => {
    it("lifts it through every upcaster to the current version", () => {
      expect(codec.decode({ type: "Refunded", schemaVersion: 1, data: { amount: "700" } })).toEqual({
        type: "Refunded",
        data: { principalMinor: 700n, feeMinor: 0n },
      });
      expect(codec.decode({ type: "Refunded", schemaVersion: 2, data: { amountMinor: "700" } })).toEqual({
        type: "Refunded",
        data: { principalMinor: 700n, feeMinor: 0n },
      });
    });

    it("refuses a version no upcaster lifts", () => {
      expect(() => codec.decode({ type: "Noted", schemaVersion: 1, data: { note: "x" } })).toThrow(
        "Noted v1 needs an upcaster to v2",
      );
    });
  });

  describe("when the log holds a newer version", () => {
    it("refuses it rather than guess", () => {
      expect(() => codec.decode({ type: "Noted", schemaVersion: 3, data: { note: "x" } })).toThrow(
        "Noted v3 is newer than v2: no upcaster reads it",
      );
    });
  });
});
