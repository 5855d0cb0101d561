import { describe, expect, it } from "vitest";
import { parseAuditAt, toJson } from "./as-of.ts";

describe("parseAuditAt", () => {
  it.each([
    ["0", { kind: "position", position: 0n }],
    ["1234", { kind: "position", position: 1234n }],
    ["2026-11-27T10:00:00Z", { kind: "time", at: "2026-11-27T10:00:00.000Z" }],
    ["2026-11-27T17:00:00.5+07:00", { kind: "time", at: "2026-11-27T10:00:00.500Z" }],
  ])("reads %s", (text, expected) => {
    expect(parseAuditAt(text)).toEqual(expected);
  });

  it.each(["", "-1", "01", "1.5", "yesterday", "2026-11-27", "2026-11-27T10:00:00", "2026-13-40T99:00:00Z"])(
    "refuses %j",
    (text) => {
      expect(parseAuditAt(text)).toBeUndefined();
    },
  );
});

describe("toJson", () => {
  it("writes a decider's state as JSON: bigint as text, Map as an object, Set as an array", () => {
    const state = { amountMinor: 5n, loans: new Map([["t1", { due: 2n }]]), ids: new Set(["a"]), at: null };
    expect(toJson(state)).toEqual({ amountMinor: "5", loans: { t1: { due: "2" } }, ids: ["a"], at: null });
  });
});
