import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ReadStore } from "../../services/platform/readstore/port.ts";
import { sql } from "../../services/platform/readstore/projection.ts";
import { withoutQueryIndexes } from "../../services/platform/readstore/sql.ts";

/** One behaviour for every read store (SQLite embedded, PostgreSQL production): docs/guarantees.md P1–P3. */
export interface ReadStoreFixture {
  open(): Promise<ReadStore>;
  dispose(): Promise<void>;
}

const tables = {
  ledger_rows: { columns: "id TEXT PRIMARY KEY, amount_minor BIGINT NOT NULL", indexes: ["amount_minor"] },
};

export function testReadStore(adapter: string, makeFixture: () => Promise<ReadStoreFixture>): void {
  describe(`read store conformance: ${adapter}`, () => {
    let fixture: ReadStoreFixture;
    let store: ReadStore;

    beforeEach(async () => {
      fixture = await makeFixture();
      store = await fixture.open();
      await store.prepareGeneration("rows", 1, 1, tables);
      await store.promote("rows", 1, 1, tables);
    });

    afterEach(async () => {
      await store.close();
      await fixture.dispose();
    });

    const insert = (id: string, amount: bigint) =>
      sql`INSERT INTO {{ledger_rows}} (id, amount_minor) VALUES (${id}, ${amount})`;

    it("starts a projection at position 0, running", async () => {
      expect(await store.projectionState("rows")).toEqual({
        name: "rows",
        generation: 1,
        version: 1,
        position: "0",
        status: "running",
        error: null,
      });
    });

    it("applies changes and the checkpoint together", async () => {
      await store.apply("rows", 1, [insert("a", 5n), insert("b", 7n)], "12");
      expect(await store.query("SELECT id, amount_minor FROM ledger_rows ORDER BY id")).toEqual([
        { id: "a", amount_minor: 5n },
        { id: "b", amount_minor: 7n },
      ]);
      expect((await store.projectionState("rows"))?.position).toBe("12");
    });

    it("a failing statement rolls back the changes and the checkpoint", async () => {
      await store.apply("rows", 1, [insert("a", 5n)], "1");
      await expect(store.apply("rows", 1, [insert("b", 1n), insert("a", 2n)], "2")).rejects.toThrow();
      expect(await store.query("SELECT id FROM ledger_rows ORDER BY id")).toEqual([{ id: "a" }]);
      expect((await store.projectionState("rows"))?.position).toBe("1");
    });

    it("applies statements of different texts, interleaved, in their order, each seeing the one before", async () => {
      const scale = (id: string, factor: bigint) =>
        sql`UPDATE {{ledger_rows}} SET amount_minor = amount_minor * ${factor} WHERE id = ${id}`;
      await store.apply("rows", 1, [insert("a", 1n), scale("a", 3n), insert("b", 2n), scale("a", 10n)], "3");
      expect(await store.query("SELECT id, amount_minor FROM ledger_rows ORDER BY id")).toEqual([
        { id: "a", amount_minor: 30n },
        { id: "b", amount_minor: 2n },
      ]);
    });

    it("keeps integer money exact beyond 2^53, as bigint", async () => {
      const big = 2n ** 62n + 1n;
      await store.apply("rows", 1, [insert("big", big), insert("neg", -big)], "1");
      const rows = await store.query("SELECT amount_minor FROM ledger_rows ORDER BY amount_minor");
      expect(rows.map((r) => r.amount_minor)).toEqual([-big, big]);
      const [sum] = await store.query("SELECT SUM(amount_minor) AS total FROM ledger_rows");
      expect(BigInt(String(sum?.total))).toBe(0n);
    });

    it("upserts with ON CONFLICT and arithmetic on the stored value", async () => {
      const add = (id: string, amount: bigint) =>
        sql`INSERT INTO {{ledger_rows}} (id, amount_minor) VALUES (${id}, ${amount})
            ON CONFLICT (id) DO UPDATE SET amount_minor = {{ledger_rows}}.amount_minor + excluded.amount_minor`;
      await store.apply("rows", 1, [add("a", 5n), add("a", 6n)], "1");
      expect(await store.query("SELECT amount_minor FROM ledger_rows WHERE id = ?", ["a"])).toEqual([
        { amount_minor: 11n },
      ]);
    });

    it("a clustered table (rows kept in its primary key) inserts, upserts and reads like any other", async () => {
      const clustered = {
        totals: {
          columns:
            "account TEXT NOT NULL, currency TEXT NOT NULL, debit_minor BIGINT NOT NULL, PRIMARY KEY (account, currency)",
          clustered: true,
        },
      };
      await store.prepareGeneration("totals", 1, 1, clustered);
      await store.promote("totals", 1, 1, clustered);
      const add = (account: string, amount: bigint) =>
        sql`INSERT INTO {{totals}} (account, currency, debit_minor) VALUES (${account}, ${"VND"}, ${amount})
            ON CONFLICT (account, currency) DO UPDATE SET debit_minor = {{totals}}.debit_minor + excluded.debit_minor`;
      await store.apply("totals", 1, [add("b", 2n), add("a", 5n), add("a", 6n)], "1");
      expect(await store.query("SELECT account, debit_minor FROM totals ORDER BY account")).toEqual([
        { account: "a", debit_minor: 11n },
        { account: "b", debit_minor: 2n },
      ]);
    });

    it("builds the query indexes a load left out at promote, and creates them with the tables otherwise", async () => {
      const indexed = {
        indexed: { columns: "id TEXT PRIMARY KEY, at TEXT NOT NULL", queryIndexes: ["at"] },
      };
      const queryIndexes = async (generation: number) => {
        const table = `indexed__g${generation}`;
        const rows =
          store.dialect === "sqlite"
            ? await store.query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", [
                table,
              ])
            : await store.query(
                "SELECT indexname AS name FROM pg_indexes WHERE tablename = ? AND schemaname = current_schema()",
                [table],
              );
        return rows.map((r) => String(r.name)).filter((name) => name.endsWith("_q0"));
      };
      await store.prepareGeneration("indexed", 1, 1, withoutQueryIndexes(indexed));
      await store.apply(
        "indexed",
        1,
        [sql`INSERT INTO {{indexed}} (id, at) VALUES (${"a"}, ${"2026"})`],
        "1",
      );
      expect(await queryIndexes(1)).toEqual([]);
      await store.promote("indexed", 1, 1, indexed);
      expect(await queryIndexes(1)).toEqual(["indexed__g1_q0"]);
      await store.prepareGeneration("indexed", 2, 2, indexed);
      expect(await queryIndexes(2)).toEqual(["indexed__g2_q0"]);
    });

    it("builds a new generation beside the current one and swaps it in", async () => {
      await store.apply("rows", 1, [insert("old", 1n)], "5");
      await store.prepareGeneration("rows", 2, 2, tables);
      expect(await store.generationPosition("rows", 2)).toBe("0");
      await store.apply("rows", 2, [insert("new", 2n)], "9");
      expect(await store.query("SELECT id FROM ledger_rows")).toEqual([{ id: "old" }]);
      await store.promote("rows", 2, 2, tables);
      expect(await store.query("SELECT id FROM ledger_rows")).toEqual([{ id: "new" }]);
      expect(await store.projectionState("rows")).toMatchObject({ generation: 2, version: 2, position: "9" });
      await expect(store.query("SELECT id FROM ledger_rows__g1")).rejects.toThrow();
    });

    it("records a failure with its reason and clears it when running again", async () => {
      await store.setStatus("rows", "failed", "event at position 3: boom");
      expect(await store.projectionState("rows")).toMatchObject({
        status: "failed",
        error: "event at position 3: boom",
      });
      await store.setStatus("rows", "running", null);
      expect(await store.projectionState("rows")).toMatchObject({ status: "running", error: null });
    });

    it("keeps everything across close and reopen", async () => {
      await store.apply("rows", 1, [insert("a", 5n)], "3");
      await store.close();
      store = await fixture.open();
      expect(await store.query("SELECT id FROM ledger_rows")).toEqual([{ id: "a" }]);
      expect((await store.projectionState("rows"))?.position).toBe("3");
    });
  });
}
