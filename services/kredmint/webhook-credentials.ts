import type { ReadStore } from "../platform/readstore/port.ts";
import type { SecretStore } from "../platform/secrets/port.ts";

// The Basic credentials we send on a partner's webhooks (`user:password`). We must send them as they are, so
// they cannot be hashed, and the log is published to Kafka, so it must not hold them (DESIGN.md "HTTP"):
// they are sealed in the secret store under the partner's own reference (no event names them). Credentials
// set before the secret store are in the plain table kredmint_webhook_credentials, still read until replaced.
const LEGACY_TABLE = `CREATE TABLE IF NOT EXISTS kredmint_webhook_credentials (
  partner_id TEXT PRIMARY KEY, basic_auth TEXT NOT NULL)`;

const refOf = (partnerId: string) => `webhook-auth:${partnerId}`;

export function webhookCredentials(readStore: ReadStore, secrets: SecretStore) {
  let created: Promise<unknown> | undefined;
  const legacyTable = () => {
    created ??= readStore.query(LEGACY_TABLE);
    return created;
  };
  return {
    async set(partnerId: string, basicAuth: string): Promise<void> {
      await secrets.remove(refOf(partnerId));
      await secrets.put(refOf(partnerId), basicAuth);
      await legacyTable();
      await readStore.query("DELETE FROM kredmint_webhook_credentials WHERE partner_id = ?", [partnerId]);
    },
    async get(partnerId: string): Promise<string | undefined> {
      const sealed = await secrets.get(refOf(partnerId));
      if (sealed !== undefined) return sealed;
      await legacyTable();
      const [row] = await readStore.query(
        "SELECT basic_auth FROM kredmint_webhook_credentials WHERE partner_id = ?",
        [partnerId],
      );
      return row ? String(row.basic_auth) : undefined;
    },
  };
}
