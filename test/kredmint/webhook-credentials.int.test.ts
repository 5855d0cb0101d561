import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { webhookCredentials } from "../../services/kredmint/webhook-credentials.ts";
import { SqliteReadStore } from "../../services/platform/readstore/sqlite-read-store.ts";
import { developmentSecrets } from "../support/secrets.ts";

// A partner's webhook Basic credentials: sealed in the secret store; those set before it, in the plain table
// kredmint_webhook_credentials, are still sent until replaced (docs/secrets.md).

let dir: string;
let readStore: SqliteReadStore;
let credentials: ReturnType<typeof webhookCredentials>;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ledger-webhook-credentials-"));
  readStore = new SqliteReadStore({ path: join(dir, "read.db") });
  credentials = webhookCredentials(readStore, developmentSecrets(readStore));
});
afterEach(async () => {
  await readStore.close();
  rmSync(dir, { recursive: true, force: true });
});

it("sets, replaces and reads credentials sealed at rest", async () => {
  await credentials.set("p-1", "user:first-password");
  await credentials.set("p-1", "user:second-password");
  expect(await credentials.get("p-1")).toBe("user:second-password");
  expect(await credentials.get("p-2")).toBeUndefined();
  expect(JSON.stringify(await readStore.query("SELECT * FROM secrets"))).not.toContain("password");
});

it("reads credentials of the plain table from before the secret store, and drops them when replaced", async () => {
  await readStore.query(
    "CREATE TABLE IF NOT EXISTS kredmint_webhook_credentials (partner_id TEXT PRIMARY KEY, basic_auth TEXT NOT NULL)",
  );
  await readStore.query("INSERT INTO kredmint_webhook_credentials VALUES ('p-1', 'user:old-password')");
  expect(await credentials.get("p-1")).toBe("user:old-password");
  await credentials.set("p-1", "user:new-password");
  expect(await credentials.get("p-1")).toBe("user:new-password");
  expect(await readStore.query("SELECT * FROM kredmint_webhook_credentials")).toEqual([]);
});
