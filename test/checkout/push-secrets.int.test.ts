import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { legacySha256Ref } from "../../contracts/secret-refs.ts";
import { pushSecrets } from "../../services/checkout/push-secrets.ts";
import { serverKeys } from "../../services/checkout/server-keys.ts";
import type { MerchantProfile } from "../../services/ledger/merchant/merchant.events.ts";
import { SqliteReadStore } from "../../services/platform/readstore/sqlite-read-store.ts";
import { developmentSecrets } from "../support/secrets.ts";

// Dedicated push secrets: sealed in the secret store; those issued before it, in merchant_push_secrets,
// still sign and are dropped when replaced (docs/secrets.md).

const merchant = (pushSigning: MerchantProfile["pushSigning"]): MerchantProfile => ({
  merchantId: "mer-1",
  name: "Merchant",
  serverKeyRef: legacySha256Ref("ab".repeat(32)),
  feeRateBps: 150,
  status: "active",
  pushSigning,
});

describe("push secrets", () => {
  let dir: string;
  let readStore: SqliteReadStore;
  let secrets: ReturnType<typeof pushSecrets>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ledger-push-secrets-"));
    readStore = new SqliteReadStore({ path: join(dir, "read.db") });
    const store = developmentSecrets(readStore);
    secrets = pushSecrets(readStore, store, serverKeys(store));
  });
  afterEach(async () => {
    await readStore.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a secret issued now is sealed, signs, and is dropped when the setting moves on", async () => {
    const { secret, secretRef } = await secrets.issue();
    const setting = { standardWebhooks: "dedicated_secret" as const, secretRef };
    const key = await secrets.signingKeyOf(merchant(setting));
    expect(key).toEqual(Buffer.from(secret.slice("whsec_".length), "base64"));
    expect(JSON.stringify(await readStore.query("SELECT * FROM secrets"))).not.toContain(secret);
    await secrets.retire(setting, { standardWebhooks: "off" });
    await expect(secrets.signingKeyOf(merchant(setting))).rejects.toThrow(/push secret is missing/);
  });

  it("a secret of the plain table from before the secret store still signs, and is dropped when replaced", async () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
    await readStore.query(`CREATE TABLE IF NOT EXISTS merchant_push_secrets (
      secret_ref TEXT PRIMARY KEY, merchant_id TEXT NOT NULL, secret TEXT NOT NULL, stored_at TEXT NOT NULL)`);
    await readStore.query("INSERT INTO merchant_push_secrets VALUES ('old-ref', 'mer-1', ?, '2026-01-01')", [
      secret,
    ]);
    const old = { standardWebhooks: "dedicated_secret" as const, secretRef: "old-ref" };
    expect(await secrets.signingKeyOf(merchant(old))).toEqual(Buffer.alloc(32, 7));
    await secrets.retire(old, { standardWebhooks: "dedicated_secret", secretRef: "new-ref" });
    expect(await readStore.query("SELECT * FROM merchant_push_secrets")).toEqual([]);
  });

  it("the server key setting signs with the hash its legacy reference names", async () => {
    expect(await secrets.signingKeyOf(merchant({ standardWebhooks: "server_key_hash" }))).toBe(
      "ab".repeat(32),
    );
  });
});
