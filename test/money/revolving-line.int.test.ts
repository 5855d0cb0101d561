import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { creditLinesProjection } from "../../services/credit/read-models/credit-lines.ts";
import {
  type CreditLineCommand,
  creditLineDecider,
} from "../../services/ledger/creditline/creditline.decider.ts";
import { creditLineCodec } from "../../services/ledger/creditline/creditline.events.ts";
import {
  type CreditLineKey,
  creditLineStream,
  kredivoLine,
} from "../../services/ledger/creditline/creditline.stream.ts";
import { commandHandler } from "../../services/platform/command-handler.ts";
import { SqliteEventStore } from "../../services/platform/eventstore/sqlite-event-store.ts";
import type { ReadStore } from "../../services/platform/readstore/port.ts";
import { PostgresReadStore } from "../../services/platform/readstore/postgres-read-store.ts";
import { SqliteReadStore } from "../../services/platform/readstore/sqlite-read-store.ts";
import { ProjectionRunner } from "../../services/projector/projection-runner.ts";
import { DATABASE_URL, uniqueSchema } from "../support/postgres.ts";

// The credit kernel ready for the Partner API (seed 000, not built yet): one buyer with a Kredmint INR
// revolving line and a Kredivo VND instalment line, two streams of kind creditline, driven through the
// command handler on a real event store, and the credit_lines read model built from that log on SQLite and
// on PostgreSQL. Amounts in paise and dong.

const silent = { info: () => {}, error: () => {} };
const meta = {
  now: "2026-11-27T10:00:00.000Z",
  actor: "test",
  tenantId: "kredmint",
  correlationId: "revolving-line",
  causationId: "revolving-line",
};
const USER = "USR-2225";
const kredmint: CreditLineKey = { product: "kredmint", userId: USER, currency: "INR" };

let dir: string;
let store: SqliteEventStore;
let sqlite: SqliteReadStore;
let postgres: PostgresReadStore;

async function project(readStore: ReadStore): Promise<void> {
  const runner = new ProjectionRunner({
    store,
    readStore,
    projections: [creditLinesProjection],
    logger: silent,
  });
  await runner.start();
  expect(await runner.waitFor(await store.headPosition(), 10_000)).toBe(true);
  await runner.stop();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ledger-revolving-"));
  store = new SqliteEventStore({ path: join(dir, "ledger.db") });
  const lines = commandHandler(store, creditLineDecider, creditLineCodec);
  const run = async (key: CreditLineKey, ...commands: CreditLineCommand[]) => {
    for (const command of commands) await lines.handle(creditLineStream(key), command, meta);
  };
  const drawDown = (id: string): CreditLineCommand => ({
    type: "CaptureHold",
    transactionId: id,
    terms: { kind: "drawdown", openedAt: meta.now },
  });
  const hold = (id: string, amountMinor: bigint): CreditLineCommand => ({
    type: "PlaceHold",
    transactionId: id,
    amountMinor,
    tenure: undefined,
  });
  await run(
    kredmint,
    {
      type: "SetLimit",
      line: kredmint,
      limit: { kind: "revolving", totalMinor: 100_000n },
      reason: "onboarding",
    },
    hold("IN-1", 25_050n), // ₹250.50
    hold("IN-2", 10_025n), // ₹100.25
    drawDown("IN-1"),
    { type: "ReleaseHold", transactionId: "IN-2", reason: "disbursal_failed" },
    hold("IN-3", 50_000n),
    drawDown("IN-3"),
    hold("IN-4", 1_000n), // still held
    // ₹300.00: all of IN-1 (the oldest drawdown), then ₹49.50 of IN-3.
    { type: "Repay", repaymentId: "r-1", amountMinor: 30_000n, bankReference: "UTR-1", receivedAt: meta.now },
  );
  await run(
    kredivoLine(USER),
    {
      type: "SetLimit",
      line: kredivoLine(USER),
      limit: {
        kind: "instalment",
        totalMinor: 5_000_000n,
        perTenureMinor: [{ tenure: 3, limitMinor: 5_000_000n }],
      },
      reason: "onboarding",
    },
    { type: "PlaceHold", transactionId: "tx-1", amountMinor: 1_000_000n, tenure: 3 },
  );
  sqlite = new SqliteReadStore({ path: join(dir, "read.db") });
  postgres = new PostgresReadStore({ connectionString: DATABASE_URL, schema: uniqueSchema("revolving") });
  await project(sqlite);
  await project(postgres);
});

afterAll(async () => {
  await postgres?.dropSchema();
  await postgres?.close();
  await sqlite?.close();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const text = (rows: Record<string, unknown>[]) =>
  rows.map((row) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? null : String(v)])),
  );

describe("a buyer's Kredmint INR revolving line beside their Kredivo VND line", () => {
  it("are two streams of kind creditline, the Kredivo one under its old id", () => {
    expect(creditLineStream(kredmint)).toBe("creditline-kredmint:INR:USR-2225");
    expect(creditLineStream(kredivoLine(USER))).toBe("creditline-USR-2225");
  });

  it.each([
    ["SQLite", () => sqlite],
    ["PostgreSQL", () => postgres],
  ])(
    "on %s, credit_lines has one row per line, in its product, currency and kind",
    async (_name, readStore) => {
      const rows = await readStore().query(
        `SELECT line_id, product, user_id, currency, kind, total_minor, held_minor, used_minor, outstanding_minor
         FROM credit_lines ORDER BY line_id`,
      );
      expect(text(rows)).toEqual([
        {
          line_id: "creditline-USR-2225",
          product: "kredivo",
          user_id: USER,
          currency: "VND",
          kind: "instalment",
          total_minor: "5000000",
          held_minor: "1000000",
          used_minor: "0",
          outstanding_minor: "0",
        },
        {
          line_id: "creditline-kredmint:INR:USR-2225",
          product: "kredmint",
          user_id: USER,
          currency: "INR",
          kind: "revolving",
          total_minor: "100000",
          held_minor: "1000",
          used_minor: "45050",
          outstanding_minor: "45050",
        },
      ]);
    },
  );

  it.each([
    ["SQLite", () => sqlite],
    ["PostgreSQL", () => postgres],
  ])(
    "on %s, the drawdowns have no tenure and owe what is left of them; tenures are the instalment line's",
    async (_name, readStore) => {
      const loans = await readStore().query(
        "SELECT transaction_id, tenure, principal_minor FROM credit_line_loans ORDER BY transaction_id",
      );
      expect(text(loans)).toEqual([
        { transaction_id: "IN-1", tenure: null, principal_minor: "0" },
        { transaction_id: "IN-3", tenure: null, principal_minor: "45050" },
      ]);
      const tenures = await readStore().query("SELECT line_id, tenure, held_minor FROM credit_line_tenures");
      expect(text(tenures)).toEqual([{ line_id: "creditline-USR-2225", tenure: "3", held_minor: "1000000" }]);
    },
  );
});
