import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyChain } from "../../services/platform/eventstore/chain.ts";
import type { EventStore } from "../../services/platform/eventstore/port.ts";
import { PostgresEventStore } from "../../services/platform/eventstore/postgres-event-store.ts";
import { SqliteEventStore } from "../../services/platform/eventstore/sqlite-event-store.ts";
import { chainPages } from "../../services/platform/eventstore/stream-events.ts";
import { testEvent, uniqueStream } from "../support/events.ts";
import { DATABASE_URL, uniqueSchema } from "../support/postgres.ts";

// docs/guarantees.md ES11: change one byte of one stored event, remove one, or swap two, and the verifier
// names the first bad position. Each adapter's storage is tampered with through its own SQL.

/** Raw access to an adapter's events table, in the shape both engines share. */
interface Storage {
  /** A fresh store over fresh storage. */
  open(): Promise<EventStore>;
  /** Runs SQL with `?` placeholders; returns rows as objects. */
  sql(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Drops the hash column, as a log written before the chain existed. */
  unchain(): Promise<void>;
  dispose(): Promise<void>;
}

const TAMPERS = ["flip", "delete", "swap"] as const;
type Tamper = (typeof TAMPERS)[number];

/** Positions of the events, oldest first. */
async function positions(storage: Storage): Promise<string[]> {
  const rows = await storage.sql("SELECT position FROM events ORDER BY position");
  return rows.map((r) => String(r.position));
}

/** Applies the tamper at the i-th (and j-th) event; returns the position the verifier must name. */
async function tamper(storage: Storage, kind: Tamper, i: number, j: number): Promise<string> {
  const at = await positions(storage);
  const p = at[i]!;
  switch (kind) {
    case "flip": {
      // One character of the data's text, inside a string value, so the JSON stays valid for PostgreSQL.
      const [row] = await storage.sql("SELECT data::text AS data FROM events WHERE position = ?", [p]);
      const data = String(row!.data);
      const k = data.indexOf("note") + 7;
      const flipped = `${data.slice(0, k)}${data[k] === "x" ? "y" : "x"}${data.slice(k + 1)}`;
      await storage.sql("UPDATE events SET data = ? WHERE position = ?", [flipped, p]);
      return p;
    }
    case "delete":
      await storage.sql("DELETE FROM events WHERE position = ?", [p]);
      return at[i + 1]!;
    case "swap": {
      const q = at[j]!;
      const columns =
        "event_id, stream_id, revision, type, schema_version, occurred_at, recorded_at, correlation_id, causation_id, tenant_id, actor, data, hash";
      const rows = await storage.sql(
        `SELECT position, ${columns.replace("event_id", "event_id::text AS event_id").replace("data", "data::text AS data")} FROM events WHERE position IN (?, ?)`,
        [p, q],
      );
      await storage.sql("DELETE FROM events WHERE position IN (?, ?)", [p, q]);
      for (const row of rows) {
        const target = String(row.position) === p ? q : p;
        const values = columns.split(", ").map((c) => row[c]);
        await storage.sql(
          `INSERT INTO events (position, ${columns}) VALUES (?, ${values.map(() => "?").join(", ")})`,
          [target, ...values],
        );
      }
      return p;
    }
  }
}

async function fill(store: EventStore, count: number): Promise<void> {
  const streams = [uniqueStream(), uniqueStream(), uniqueStream()];
  for (let n = 0; n < count; n++) {
    await store.append(streams[n % 3]!, [testEvent("Noted", { note: `abcdef-${n}` })], {
      expectedRevision: "any",
    });
  }
}

function tamperSuite(name: string, makeStorage: () => Promise<Storage>): void {
  describe(`hash chain tamper evidence: ${name}`, () => {
    it("an untouched log verifies, and a changed, removed or swapped event fails at the first bad position", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 3, max: 12 }),
          fc.constantFrom(...TAMPERS),
          fc.nat(),
          fc.nat(),
          async (count, kind, a, b) => {
            const storage = await makeStorage();
            try {
              const store = await storage.open();
              await fill(store, count);
              const intact = await verifyChain(chainPages(store));
              expect(intact).toMatchObject({ ok: true, events: count });
              // The last event has no successor: removing it is what the recorded head is for (below).
              const i = kind === "delete" ? a % (count - 1) : a % count;
              const j = i + 1 + (b % (count - i - 1 || 1));
              if (kind === "swap" && j >= count) return;
              const bad = await tamper(storage, kind, i, j);
              const verdict = await verifyChain(chainPages(store));
              expect(verdict).toMatchObject({ ok: false, broken: { position: bad } });
              await store.close();
            } finally {
              await storage.dispose();
            }
          },
        ),
        { numRuns: 12 },
      );
    });

    it("removing the last event is caught against a head recorded before", async () => {
      const storage = await makeStorage();
      try {
        const store = await storage.open();
        await fill(store, 4);
        const recorded = await store.chainHead();
        await storage.sql("DELETE FROM events WHERE position = ?", [recorded.position]);
        const verdict = await verifyChain(chainPages(store));
        expect(verdict.ok).toBe(true);
        expect(verdict.ok && verdict.head).not.toEqual(recorded);
        await store.close();
      } finally {
        await storage.dispose();
      }
    });

    it("a log written before the chain gets it computed from the genesis when opened", async () => {
      const storage = await makeStorage();
      try {
        let store = await storage.open();
        await fill(store, 5);
        const head = await store.chainHead();
        await store.close();
        await storage.unchain();
        store = await storage.open();
        expect(await store.chainHead()).toEqual(head);
        await fill(store, 1);
        expect(await verifyChain(chainPages(store))).toMatchObject({ ok: true, events: 6 });
        await store.close();
      } finally {
        await storage.dispose();
      }
    });
  });
}

tamperSuite("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ledger-chain-"));
  const path = join(dir, "events.db");
  return {
    open: async () => new SqliteEventStore({ path }),
    async sql(text, params = []) {
      const db = new DatabaseSync(path);
      try {
        const statement = db.prepare(text.replaceAll("::text", ""));
        if (/^\s*SELECT/i.test(text))
          return statement.all(...(params as string[])) as Record<string, unknown>[];
        statement.run(...(params as string[]));
        return [];
      } finally {
        db.close();
      }
    },
    async unchain() {
      const db = new DatabaseSync(path);
      db.exec("ALTER TABLE events DROP COLUMN hash");
      db.close();
    },
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe("postgres", () => {
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  beforeAll(() => admin.connect());
  afterAll(() => admin.end());

  tamperSuite("postgres", async () => {
    const schema = uniqueSchema("chain");
    const numbered = (text: string) => {
      let n = 0;
      return text.replace(/\?/g, () => `$${++n}`).replace(/\bevents\b/g, `"${schema}".events`);
    };
    return {
      open: () => PostgresEventStore.open({ connectionString: DATABASE_URL, schema }),
      sql: async (text, params = []) => (await admin.query(numbered(text), params)).rows,
      unchain: async () => {
        await admin.query(`ALTER TABLE "${schema}".events DROP COLUMN hash`);
      },
      dispose: async () => {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      },
    };
  });
});
