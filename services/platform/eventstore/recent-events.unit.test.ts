import { describe, expect, it } from "vitest";
import type { EventEnvelope } from "../../../contracts/envelope.ts";
import { RecentEvents } from "./recent-events.ts";

const at = (position: number): EventEnvelope => ({
  eventId: `0190a000-0000-7000-8000-${String(position).padStart(12, "0")}`,
  type: "Happened",
  schemaVersion: 1,
  streamId: "thing-1",
  revision: position - 1,
  position: String(position),
  occurredAt: "2026-12-07T00:00:00.000Z",
  recordedAt: "2026-12-07T00:00:00.000Z",
  correlationId: "c",
  causationId: "c",
  tenantId: "t",
  actor: "a",
  data: { amountMinor: "100", lines: [{ sku: "x" }] },
});

const positions = (events: EventEnvelope[] | undefined) => events?.map((e) => Number(e.position));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => at(from + i));

describe("recent events", () => {
  describe("when empty", () => {
    it("holds nothing, so the store is read", () => {
      expect(new RecentEvents(10).after("0", 5)).toBeUndefined();
    });
  });

  describe("when holding positions 3 to 7", () => {
    const recent = () => {
      const cache = new RecentEvents(10);
      cache.add(range(3, 7));
      return cache;
    };

    it("answers from a held position, up to maxCount", () => {
      expect(positions(recent().after("2", 10))).toEqual([3, 4, 5, 6, 7]);
      expect(positions(recent().after("4", 2))).toEqual([5, 6]);
    });

    it("leaves what is before the first held or after the last to the store", () => {
      expect(recent().after("1", 10)).toBeUndefined();
      expect(recent().after("7", 10)).toBeUndefined();
    });

    it("starts over when a commit does not follow the last held (another writer took the positions between)", () => {
      const cache = recent();
      cache.add([at(10), at(11)]);
      expect(cache.after("6", 10)).toBeUndefined();
      expect(positions(cache.after("9", 10))).toEqual([10, 11]);
    });
  });

  describe("when more are added than it holds", () => {
    it("keeps the latest", () => {
      const cache = new RecentEvents(3);
      cache.add(range(1, 5));
      expect(cache.after("1", 10)).toBeUndefined();
      expect(positions(cache.after("2", 10))).toEqual([3, 4, 5]);
    });
  });

  it("freezes each envelope and its data: every subscriber is handed the same object", () => {
    const cache = new RecentEvents(3);
    cache.add([at(1)]);
    const [envelope] = cache.after("0", 1)!;
    expect(() => {
      (envelope!.data as { lines: { sku: string }[] }).lines[0]!.sku = "changed";
    }).toThrow(TypeError);
  });

  it("refuses a size that holds nothing", () => {
    expect(() => new RecentEvents(0)).toThrow(/room for one/);
  });
});
