import { randomBytes, randomUUID } from "node:crypto";
import type { MerchantProfile, PushSigning } from "../ledger/merchant/merchant.events.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import type { SecretStore } from "../platform/secrets/port.ts";
import type { ServerKeys } from "./server-keys.ts";

// The merchants' dedicated Standard Webhooks secrets. The notifier must compute the HMAC with the secret
// itself, so it cannot be hashed, and the log is published (Kafka), so it must not hold it (DESIGN.md
// "HTTP"): it is sealed in the secret store, and PushSigningChanged carries its reference only. A reference
// no event names (a crash between the two writes) is never read. Secrets issued before the secret store
// are in the plain table merchant_push_secrets, still read and dropped as they are replaced.
const LEGACY_TABLE = `CREATE TABLE IF NOT EXISTS merchant_push_secrets (
  secret_ref TEXT PRIMARY KEY, merchant_id TEXT NOT NULL, secret TEXT NOT NULL, stored_at TEXT NOT NULL)`;

const PREFIX = "whsec_";

/** A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes (the HMAC key is those bytes). */
const newPushSecret = () => `${PREFIX}${randomBytes(32).toString("base64")}`;

export type PushSecrets = ReturnType<typeof pushSecrets>;

export function pushSecrets(readStore: ReadStore, secretStore: SecretStore, serverKeys: ServerKeys) {
  let ready: Promise<unknown> | undefined;
  const legacyTable = () => {
    ready ??= readStore.query(LEGACY_TABLE);
    return ready;
  };
  const secretOf = async (secretRef: string): Promise<string | undefined> => {
    const sealed = await secretStore.get(secretRef);
    if (sealed !== undefined) return sealed;
    await legacyTable();
    const [row] = await readStore.query("SELECT secret FROM merchant_push_secrets WHERE secret_ref = ?", [
      secretRef,
    ]);
    return row === undefined ? undefined : String(row.secret);
  };
  return {
    /** Makes and stores a new secret; answers it (to show once) and its reference (for the event). */
    async issue(): Promise<{ secret: string; secretRef: string }> {
      const secret = newPushSecret();
      const secretRef = `ps_${randomUUID()}`;
      await secretStore.put(secretRef, secret);
      return { secret, secretRef };
    },

    /** Drops the secret a replaced setting named, if it named one other than the new setting's. */
    async retire(replaced: PushSigning, current: PushSigning): Promise<void> {
      if (replaced.standardWebhooks !== "dedicated_secret") return;
      if (current.standardWebhooks === "dedicated_secret" && current.secretRef === replaced.secretRef) return;
      await secretStore.remove(replaced.secretRef);
      await legacyTable();
      await readStore.query("DELETE FROM merchant_push_secrets WHERE secret_ref = ?", [replaced.secretRef]);
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
          const secret = await secretOf(pushSigning.secretRef);
          // A throw is a failed attempt, retried then dead-lettered: never a push signed with another key.
          if (secret === undefined)
            throw new Error(`merchant ${merchant.merchantId}: its push secret is missing`);
          return Buffer.from(secret.slice(PREFIX.length), "base64");
        }
        default:
          return pushSigning satisfies never;
      }
    },
  };
}
