import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { emptyPersistentMap, type PersistentMap, persistentMapOf } from "./persistent-map.ts";

const amount = (value: { amount: bigint }) => value.amount;

describe("a persistent map", () => {
  describe("when empty", () => {
    const empty = emptyPersistentMap<string, { amount: bigint }>(amount);

    it("holds nothing and measures zero", () => {
      expect(empty.size).toBe(0);
      expect(empty.get("a")).toBeUndefined();
      expect(empty.has("a")).toBe(false);
      expect([...empty]).toEqual([]);
      expect(empty.measured).toBe(0n);
    });

    it("stays empty for every map written from it", () => {
      const one = empty.with("a", { amount: 1n });
      const other = empty.with("b", { amount: 2n });
      expect([...empty]).toEqual([]);
      expect([...one.keys()]).toEqual(["a"]);
      expect([...other.keys()]).toEqual(["b"]);
    });
  });

  describe("when keys were written", () => {
    const older = persistentMapOf<string, { amount: bigint }>(
      [
        ["a", { amount: 1n }],
        ["b", { amount: 2n }],
      ],
      amount,
    );
    const newer = older.with("a", { amount: 5n }).with("c", { amount: 7n });

    it("reads each key's latest value, keys in the order first written", () => {
      expect([...newer]).toEqual([
        ["a", { amount: 5n }],
        ["b", { amount: 2n }],
        ["c", { amount: 7n }],
      ]);
      expect(newer.size).toBe(3);
      expect(newer.measured).toBe(14n);
    });

    it("leaves the version it was written from as it was", () => {
      expect([...older]).toEqual([
        ["a", { amount: 1n }],
        ["b", { amount: 2n }],
      ]);
      expect(older.get("a")).toEqual({ amount: 1n });
      expect(older.has("c")).toBe(false);
      expect(older.size).toBe(2);
      expect(older.measured).toBe(3n);
    });

    it("written again from an older version (a branch), each version keeps what it saw", () => {
      const branch = older.with("a", { amount: 100n });
      expect(branch.get("a")).toEqual({ amount: 100n });
      expect(branch.has("c")).toBe(false);
      expect(branch.measured).toBe(102n);
      expect(newer.get("a")).toEqual({ amount: 5n });
      expect(newer.measured).toBe(14n);
      expect(older.get("a")).toEqual({ amount: 1n });
      // Writing on from each still works.
      expect(newer.with("b", { amount: 0n }).measured).toBe(12n);
      expect(branch.with("d", { amount: 1n }).measured).toBe(103n);
    });

    it("is a ReadonlyMap: keys, values, forEach", () => {
      expect([...newer.values()].map((v) => v.amount)).toEqual([5n, 2n, 7n]);
      const seen: string[] = [];
      newer.forEach((value, key) => {
        seen.push(`${key}=${value.amount}`);
      });
      expect(seen).toEqual(["a=5", "b=2", "c=7"]);
    });
  });

  it("agrees with a Map copied per write, for any writes from any earlier version", () => {
    const write = fc.record({
      from: fc.nat(),
      key: fc.constantFrom("a", "b", "c", "d", "e"),
      amount: fc.bigInt({ min: -5n, max: 5n }),
    });
    fc.assert(
      fc.property(fc.array(write, { maxLength: 40 }), (writes) => {
        const versions: PersistentMap<string, { amount: bigint }>[] = [emptyPersistentMap(amount)];
        const models: Map<string, { amount: bigint }>[] = [new Map()];
        for (const { from, key, amount: value } of writes) {
          const at = from % versions.length;
          versions.push(versions[at]!.with(key, { amount: value }));
          models.push(new Map(models[at]!).set(key, { amount: value }));
        }
        for (const [i, version] of versions.entries()) {
          const model = models[i]!;
          expect([...version]).toEqual([...model]);
          expect(version.size).toBe(model.size);
          expect(version.measured).toBe([...model.values()].reduce((sum, v) => sum + v.amount, 0n));
        }
      }),
    );
  });

  it("takes as long to build from n writes as n writes (nothing copied)", () => {
    let map = emptyPersistentMap<number, { amount: bigint }>(amount);
    for (let i = 0; i < 100_000; i++) map = map.with(i % 50_000, { amount: 1n });
    expect(map.size).toBe(50_000);
    expect(map.measured).toBe(50_000n);
  });
});
