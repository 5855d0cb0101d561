import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configuredKeyring } from "../../services/platform/secrets/keyring.ts";
import { FINANCE_KEY, type FinanceHarness, SANDBOX, startFinanceHarness } from "../finance/harness.ts";
import { DATABASE_URL, uniqueSchema } from "../support/postgres.ts";

// The `ledger` CLI run as a child process, as an auditor runs it (README "Audit"), against the embedded store
// and against the production shape (EVENT_STORE / READ_STORE / DATABASE_URL on PostgreSQL).

const CLI = join(import.meta.dirname, "../../services/runtime/ledger-cli.ts");

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function ledger(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent", ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The statements a test tampers with, on the store's own database. */
interface Tamperer {
  exec(sql: string, params?: (string | number)[]): Promise<void>;
}

function cliSuite(
  name: string,
  setUp: () => Promise<{
    h: FinanceHarness;
    env: Record<string, string>;
    db: Tamperer;
    /** Where `replay --into` builds, removed with the rest by done(). */
    into: string;
    done(): Promise<void>;
  }>,
): void {
  describe(`ledger CLI: ${name}`, () => {
    let h: FinanceHarness;
    let env: Record<string, string>;
    let db: Tamperer;
    let into: string;
    let done: () => Promise<void>;
    let transactionId: string;
    let settledAt: string;

    beforeAll(async () => {
      ({ h, env, db, into, done } = await setUp());
      transactionId = await h.settle(SANDBOX);
      settledAt = await h.settled();
    });
    afterAll(() => done());

    it("every command answers --help with exit 0", async () => {
      for (const command of [
        [],
        ["verify"],
        ["replay"],
        ["audit"],
        ["audit", "stream"],
        ["secrets", "rotate"],
      ]) {
        const run = await ledger(env, ...command, "--help");
        expect(run.code, command.join(" ")).toBe(0);
        expect(run.stdout).toContain("Usage: ledger");
      }
    });

    it("verify --chain proves the log intact up to the head /v1/audit/chain answers", async () => {
      const head = (await h.get("/v1/audit/chain", FINANCE_KEY)).json();
      const run = await ledger(env, "verify", "--chain", "--head", `${head.position}:${head.hash}`);
      expect(run.stderr).toContain("events/s");
      expect(run.code).toBe(0);
      // The log may have moved on since (the timer sweep appends on its own): the recorded head must still hold.
      expect(run.stdout).toMatch(/chain intact: \d+ events, head position \d+ hash [0-9a-f]{64}/);
      const wrong = await ledger(env, "verify", "--chain", "--head", `${head.position}:${"a".repeat(64)}`);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain("no longer holds");
    });

    it("verify rebuilds every read model and finds it equal to the live one", async () => {
      const run = await ledger(env, "verify");
      expect(run.stderr).toContain("replay |");
      expect(run.stdout).toContain("read models verified");
      expect(run.code).toBe(0);
    });

    it("replay rebuilds into a fresh store with a progress bar: events done, events/s, ETA", async () => {
      const run = await ledger(env, "replay", "--into", into);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/\d+\/\d+ events \| \d+ events\/s \| ETA/);
      expect(run.stdout).toMatch(/replayed \d+ events up to position \d+ .* into .*/);
      expect(run.stdout).toContain(into);
      // The store it built is no longer fresh: replaying into it again is refused.
      expect((await ledger(env, "replay", "--into", into)).code).toBe(1);
    });

    it("audit stream shows the state and the events as of a position or a time", async () => {
      const stream = `checkout-${transactionId}`;
      const now = JSON.parse((await ledger(env, "audit", "stream", stream, "--at", settledAt)).stdout);
      expect(now.events.map((e: { type: string }) => e.type)).toContain("Settled");
      const first = now.events[0].position;
      const then = await ledger(env, "audit", "stream", stream, "--at", first);
      expect(then.code).toBe(0);
      expect(JSON.parse(then.stdout)).toMatchObject({ streamId: stream, revision: 0 });
      const before = await ledger(env, "audit", "stream", stream, "--at", "2000-01-01T00:00:00Z");
      expect(JSON.parse(before.stdout)).toMatchObject({ revision: -1, events: [] });
      expect((await ledger(env, "audit", "stream", "checkout-unknown", "--at", "1")).code).toBe(1);
      expect((await ledger(env, "audit", "stream", stream, "--at", "yesterday")).code).toBe(2);
    });

    it("secrets rotate re-seals the secret store under a new key, which alone then reads it; and back", async () => {
      const development = configuredKeyring({ SECRET_STORE_OLD_KEYS: [] }).current.key.toString("base64");
      const fresh = randomBytes(32).toString("base64");
      const toFresh = { ...env, SECRET_STORE_KEY: fresh, SECRET_STORE_OLD_KEYS: development };
      const first = await ledger(toFresh, "secrets", "rotate");
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/^re-sealed [1-9][0-9]* secrets with key [0-9a-f]{16}$/m);
      expect((await ledger(toFresh, "secrets", "rotate")).stdout).toMatch(/^re-sealed 0 secrets/);
      // Without the old key nothing is lost: the rows are already under the new one.
      expect((await ledger({ ...env, SECRET_STORE_KEY: fresh }, "secrets", "rotate")).code).toBe(0);
      // Back to the key the running harness reads with (the development key).
      const back = await ledger({ ...env, SECRET_STORE_OLD_KEYS: fresh }, "secrets", "rotate");
      expect(back.stdout).toMatch(/^re-sealed [1-9]/);
    });

    it("a changed read model row fails verify naming the table; a changed event fails verify --chain at its position", async () => {
      await db.exec(
        "UPDATE account_balances__g1 SET debit_minor = debit_minor + 1 WHERE account = 'fee-income'",
      );
      const models = await ledger(env, "verify");
      expect(models.code).toBe(1);
      expect(models.stderr).toContain("table account_balances");

      const { position } = JSON.parse(
        (await ledger(env, "audit", "stream", `checkout-${transactionId}`, "--at", settledAt)).stdout,
      ).events[0];
      await db.exec("UPDATE events SET actor = actor || 'x' WHERE position = ?", [position]);
      const chain = await ledger(env, "verify", "--chain");
      expect(chain.code).toBe(1);
      expect(chain.stderr).toContain(`chain broken at position ${position}`);
    });
  });
}

cliSuite("embedded SQLite", async () => {
  const h = await startFinanceHarness();
  const path = join(h.dir, "ledger.db");
  return {
    h,
    env: { DATA_DIR: h.dir },
    into: join(h.dir, "replayed.db"),
    db: {
      async exec(sql, params = []) {
        const db = new DatabaseSync(path);
        try {
          db.prepare(sql).run(...params);
        } finally {
          db.close();
        }
      },
    },
    done: () => h.close(),
  };
});

cliSuite("PostgreSQL (EVENT_STORE / READ_STORE / DATABASE_URL)", async () => {
  const schema = uniqueSchema("cli");
  const env = { EVENT_STORE: "postgres", READ_STORE: "postgres", DATABASE_URL, DATABASE_SCHEMA: schema };
  const h = await startFinanceHarness(env);
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  const into = `${schema}_replayed`;
  return {
    h,
    env,
    into,
    db: {
      async exec(sql, params = []) {
        let n = 0;
        const text = sql
          .replace(/\?/g, () => `$${++n}`)
          .replace(/\b(events|account_balances__g1)\b/g, `"${schema}".$1`);
        await admin.query(text, params);
      },
    },
    async done() {
      await h.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.query(`DROP SCHEMA IF EXISTS "${into}" CASCADE`);
      await admin.end();
    },
  };
});
