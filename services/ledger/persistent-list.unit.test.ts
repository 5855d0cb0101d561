import { describe, expect, it } from "vitest";
import { findNewest, newestFirst, type PersistentList, prepend } from "./persistent-list.ts";

describe("a persistent list", () => {
  describe("when empty", () => {
    it("holds nothing", () => {
      expect([...newestFirst(undefined)]).toEqual([]);
      expect(findNewest(undefined, () => true)).toBeUndefined();
    });
  });

  describe("when values were prepended", () => {
    const older = prepend(prepend(undefined, { id: "a", n: 1 }), { id: "b", n: 2 });
    const newer = prepend(older, { id: "a", n: 3 });

    it("reads them newest first", () => {
      expect([...newestFirst(newer)].map((v) => v.n)).toEqual([3, 2, 1]);
    });

    it("finds the newest that matches", () => {
      expect(findNewest(newer, (v) => v.id === "a")?.n).toBe(3);
      expect(findNewest(newer, (v) => v.id === "c")).toBeUndefined();
    });

    it("leaves the list it was prepended to as it was, sharing its cells", () => {
      expect([...newestFirst(older)].map((v) => v.n)).toEqual([2, 1]);
      expect(newer?.earlier).toBe(older);
    });

    it("takes as long to build from n values as n prepends (nothing copied)", () => {
      let list: PersistentList<number>;
      for (let i = 0; i < 100_000; i++) list = prepend(list, i);
      expect(list?.value).toBe(99_999);
    });
  });
});
