import type { ReadStore } from "../platform/readstore/port.ts";

// The Basic credentials we send on a partner's webhooks (`user:password`). We must send them as they are, so
// they cannot be hashed, and the log is published to Kafka, so it must not hold them (DESIGN.md "HTTP"): a
// plain table beside the read models is their secret store; the partner's event says only whether one is set.
const TABLE = `CREATE TABLE IF NOT EXISTS kredmint_webhook_credentials (
  partner_id TEXT PRIMARY KEY, basic_auth TEXT NOT NULL)`;

export function webhookCredentials(readStore: ReadStore) {
  let created: Promise<unknown> | undefined;
  const table = () => {
    created ??= readStore.query(TABLE);
    return created;
  };
  return {
    async set(partnerId: string, basicAuth: string): Promise<void> {
      await table();
      await readStore.query("DELETE FROM kredmint_webhook_credentials WHERE partner_id = ?", [partnerId]);
      await readStore.query(
        "INSERT INTO kredmint_webhook_credentials (partner_id, basic_auth) VALUES (?, ?)",
        [partnerId, basicAuth],
      );
    },
    async get(partnerId: string): Promise<string | undefined> {
      await table();
      const [row] = await readStore.query(
        "SELECT basic_auth FROM kredmint_webhook_credentials WHERE partner_id = ?",
        [partnerId],
      );
      return row ? String(row.basic_auth) : undefined;
    },
  };
}
