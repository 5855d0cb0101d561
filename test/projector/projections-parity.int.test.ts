import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { SqliteEventStore } from "../../services/platform/eventstore/sqlite-event-store.ts";
import { PostgresReadStore } from "../../services/platform/readstore/postgres-read-store.ts";
import { SqliteReadStore } from "../../services/platform/readstore/sqlite-read-store.ts";
import { ProjectionRunner } from "../../services/projector/projection-runner.ts";
import { projections } from "../../services/runtime/projections.ts";
import { approveAs } from "../support/buyers.ts";
import { sampleInit } from "../support/checkout-requests.ts";
import { DATABASE_URL, uniqueSchema } from "../support/postgres.ts";
import { initThroughService, startSandboxCheckout } from "../support/runtime.ts";

const silent = { info: () => {}, error: () => {} };
const SERVER_KEY = "parity-server-key-0123456789";

// The same projection code on both read stores gives the same read models (DESIGN.md "Read models").
describe("projections on SQLite and PostgreSQL", () => {
  let dir: string;
  let store: SqliteEventStore;
  let sqlite: SqliteReadStore;
  let postgres: PostgresReadStore;
  const schema = uniqueSchema("parity");

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ledger-parity-"));
    store = new SqliteEventStore({ path: join(dir, "ledger.db") });
    sqlite = new SqliteReadStore({ path: join(dir, "ledger.db") });
    const { checkout, runner } = await startSandboxCheckout(store, sqlite, SERVER_KEY);
    for (const orderId of ["P-1", "P-2", "P-3"]) {
      const transactionId = await initThroughService(
        checkout,
        sampleInit(orderId, { server_key: SERVER_KEY }),
      );
      if (orderId === "P-3") continue;
      await approveAs({ checkout }, transactionId, SANDBOX_BUYER, orderId === "P-1" ? 1 : 3);
    }
    await runner.waitFor(await store.headPosition(), 5000);
    await runner.stop();

    postgres = new PostgresReadStore({ connectionString: DATABASE_URL, schema });
    const pgRunner = new ProjectionRunner({ store, readStore: postgres, projections, logger: silent });
    await pgRunner.start();
    expect(await pgRunner.waitFor(await store.headPosition(), 10_000)).toBe(true);
    await pgRunner.stop();
  });

  afterAll(async () => {
    await postgres?.dropSchema();
    await postgres?.close();
    await store?.close();
    await sqlite?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ["checkout_transactions", "SELECT * FROM checkout_transactions ORDER BY transaction_id"],
    ["credit_lines", "SELECT * FROM credit_lines ORDER BY user_id"],
    ["credit_line_tenures", "SELECT * FROM credit_line_tenures ORDER BY user_id, tenure"],
    ["merchants", "SELECT * FROM merchants ORDER BY merchant_id"],
    ["buyers", "SELECT user_id, phone FROM buyers ORDER BY user_id"],
  ])("%s is identical", async (_table, query) => {
    const fromSqlite = await sqlite.query(query);
    expect(fromSqlite.length).toBeGreaterThan(0);
    expect(await postgres.query(query)).toEqual(fromSqlite);
  });

  it("the buyer's holds show in the credit line view", async () => {
    const [line] = await postgres.query("SELECT held_minor, used_minor FROM credit_lines WHERE user_id = ?", [
      SANDBOX_BUYER.userId,
    ]);
    expect(line).toEqual({ held_minor: 2n * 6_505_000n, used_minor: 0n });
  });
});
