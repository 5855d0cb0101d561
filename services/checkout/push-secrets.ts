import { randomBytes, randomUUID } from "node:crypto";
import type { MerchantProfile } from "../ledger/merchant/merchant.events.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import type { ServerKeys } from "./server-keys.ts";

// The merchants' dedicated Standard Webhooks secrets. The notifier must compute the HMAC with the secret
// itself, so it cannot be hashed, and the log is published (Kafka), so it must not hold it (DESIGN.md
// "HTTP"): as with the Partner API's kredmint_webhook_credentials, a plain table beside the read models is
// their secret store, made on first use. PushSigningChanged carries the secret's reference only. A
// reference no event names (a crash between the two writes) is never read, and is dropped by the merchant's
// next change.
const TABLE = `CREATE TABLE IF NOT EXISTS merchant_push_secrets (
  secret_ref TEXT PRIMARY KEY, merchant_id TEXT NOT NULL, secret TEXT NOT NULL, stored_at TEXT NOT NULL)`;

const PREFIX = "whsec_";

/** A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes (the HMAC key is those bytes). */
const newPushSecret = () => `${PREFIX}${randomBytes(32).toString("base64")}`;

export type PushSecrets = ReturnType<typeof pushSecrets>;

export function pushSecrets(
  readStore: ReadStore,
  serverKeys: ServerKeys,
  now: () => Date = () => new Date(),
) {
  let ready: Promise<unknown> | undefined;
  const table = () => {
    ready ??= readStore.query(TABLE);
    return ready;
  };
  return {
    /** Makes and stores a merchant's new secret; answers it (to show once) and its reference (for the event). */
    async issue(merchantId: string): Promise<{ secret: string; secretRef: string }> {
      await table();
      const secret = newPushSecret();
      const secretRef = randomUUID();
      await readStore.query(
        "INSERT INTO merchant_push_secrets (secret_ref, merchant_id, secret, stored_at) VALUES (?, ?, ?, ?)",
        [secretRef, merchantId, secret, now().toISOString()],
      );
      return { secret, secretRef };
    },

    /** Drops every secret of the merchant but the one its recorded setting names (none: all of them). */
    async keepOnly(merchantId: string, secretRef: string | undefined): Promise<void> {
      await table();
      await readStore.query("DELETE FROM merchant_push_secrets WHERE merchant_id = ? AND secret_ref <> ?", [
        merchantId,
        secretRef ?? "",
      ]);
    },

    /**
     * The key of the merchant's Standard Webhooks signature as it holds it today: the UTF-8 text of
     * hex(SHA-256(server_key)), the bytes of its dedicated secret, or null (no signature).
     */
    async signingKeyOf(merchant: MerchantProfile): Promise<string | Buffer | null> {
      const { pushSigning } = merchant;
      switch (pushSigning.standardWebhooks) {
        case "server_key_hash":
          return serverKeys.hashOf(merchant.serverKeyRef);
        case "off":
          return null;
        case "dedicated_secret": {
          await table();
          const [row] = await readStore.query(
            "SELECT secret FROM merchant_push_secrets WHERE secret_ref = ?",
            [pushSigning.secretRef],
          );
          // A throw is a failed attempt, retried then dead-lettered: never a push signed with another key.
          if (row === undefined)
            throw new Error(`merchant ${merchant.merchantId}: its push secret is missing`);
          return Buffer.from(String(row.secret).slice(PREFIX.length), "base64");
        }
        default:
          return pushSigning satisfies never;
      }
    },
  };
}
