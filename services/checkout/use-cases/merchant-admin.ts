import { randomBytes } from "node:crypto";
import type { z } from "zod";
import type {
  MerchantView,
  PUSH_SIGNING_MODES,
  pushSigningSchema,
  RegisterMerchantBody,
} from "../../../contracts/v1/merchants.ts";
import { type Caller, Rejection } from "../../ledger/decider.ts";
import { type MerchantRule, merchantStream } from "../../ledger/merchant/merchant.decider.ts";
import type { PushSigning } from "../../ledger/merchant/merchant.events.ts";
import { pushSecrets } from "../push-secrets.ts";
import type { CheckoutLedger } from "./checkout-ledger.ts";
import { dealerRegistration } from "./dealers.ts";

/** A merchant as an operator registers it, with the server_key it is given (made here for /v1). */
export interface MerchantRegistration extends RegisterMerchantBody {
  readonly merchantId: string;
  readonly serverKey: string;
}

/** A server_key we issue: 32 random bytes, long enough that its SHA-256 alone protects it. */
export const newServerKey = () => `SK-${randomBytes(32).toString("base64url")}`;

/** The read model's column (written from the merchant's events only), narrowed to the modes. */
const pushSigningMode = (value: unknown): (typeof PUSH_SIGNING_MODES)[number] =>
  value === "dedicated_secret" || value === "off" ? value : "server_key_hash";

/** Merchant ids are ours: `mer-` and 16 hex digits. */
const newMerchantId = () => `mer-${randomBytes(8).toString("hex")}`;

/**
 * The lender's side of its merchants: register (the sandbox seed sends the same command), rotate the
 * server_key with an overlap, suspend, reactivate, list and read. Keys appear once, in the answer that
 * made them; the secret store holds their signing key, the log and the read models its reference only.
 */
export function merchantAdmin(ledger: CheckoutLedger) {
  const dealers = dealerRegistration(ledger);
  const secrets = pushSecrets(ledger.readStore, ledger.options.secrets, ledger.serverKeys);

  /**
   * The setting as the log records it, and the secret to show once: a dedicated secret is made (and stored
   * outside the log) here, so every call choosing it issues a new one.
   */
  const pushSigningOf = async (
    setting: z.infer<typeof pushSigningSchema>,
  ): Promise<{ pushSigning: PushSigning; webhookSecret?: string }> => {
    if (setting.standardWebhooks !== "dedicated_secret")
      return { pushSigning: { standardWebhooks: setting.standardWebhooks } };
    const { secret, secretRef } = await secrets.issue();
    return { pushSigning: { standardWebhooks: "dedicated_secret", secretRef }, webhookSecret: secret };
  };

  const handle = async (
    merchantId: string,
    command: Parameters<typeof ledger.merchants.handle>[1],
    caller: Caller,
  ) => {
    const handled = await ledger.merchants.handle(
      merchantStream(merchantId),
      command,
      ledger.meta(caller, merchantId),
    );
    if (handled.position !== undefined) await ledger.options.waitForProjections(handled.position);
    return handled;
  };

  const view = async (merchantId: string): Promise<MerchantView | undefined> => {
    const [row] = await ledger.readStore.query(
      `SELECT merchant_id, name, fee_rate_bps, status, registered_at, push_signing FROM merchants
       WHERE merchant_id = ?`,
      [merchantId],
    );
    if (row === undefined) return undefined;
    const dealerRows = await ledger.readStore.query(
      "SELECT dealer_code FROM merchant_dealers WHERE merchant_id = ? ORDER BY dealer_code",
      [merchantId],
    );
    const [overlap] = await ledger.readStore.query(
      "SELECT MAX(valid_until) AS until FROM merchant_server_keys WHERE merchant_id = ? AND valid_until > ?",
      [merchantId, ledger.options.now().toISOString()],
    );
    return {
      merchantId: String(row.merchant_id),
      name: String(row.name),
      feeRateBps: Number(row.fee_rate_bps),
      status: row.status === "suspended" ? "suspended" : "active",
      dealerCodes: dealerRows.map((d) => String(d.dealer_code)),
      registeredAt: String(row.registered_at),
      pushSigning: { standardWebhooks: pushSigningMode(row.push_signing) },
      previousKeyValidUntil: overlap?.until == null ? null : String(overlap.until),
    };
  };

  /** The merchant's view, or the refusal a command on an unknown merchant gets. */
  const existing = async (merchantId: string) => {
    const found = await view(merchantId);
    if (found === undefined) throw new Rejection<MerchantRule>("merchant_must_exist");
    return found;
  };

  const register = async (registration: MerchantRegistration, caller: Caller) => {
    const { merchantId, serverKey, name, feeRateBps, status } = registration;
    const { pushSigning, webhookSecret } = await pushSigningOf(registration.pushSigning);
    const handled = await handle(
      merchantId,
      {
        type: "Register",
        profile: {
          merchantId,
          name,
          serverKeyRef: await ledger.serverKeys.referenceOf(serverKey),
          feeRateBps,
          status,
          pushSigning,
        },
      },
      caller,
    );
    const positions = [handled.position];
    for (const dealerCode of registration.dealerCodes) {
      positions.push((await dealers.registerDealer(merchantId, dealerCode, caller)).position);
    }
    return {
      created: handled.events.length > 0,
      position: positions.filter((p) => p !== undefined).at(-1),
      webhookSecret,
    };
  };

  return {
    registerMerchant: register,

    /** Registers a new merchant under an id of ours and answers its view with the server_key, once. */
    async onboardMerchant(body: RegisterMerchantBody, caller: Caller) {
      const merchantId = newMerchantId();
      const serverKey = newServerKey();
      const { webhookSecret } = await register({ ...body, merchantId, serverKey }, caller);
      return { ...(await existing(merchantId)), serverKey, ...(webhookSecret ? { webhookSecret } : {}) };
    },

    /**
     * Changes how the merchant's pushes are signed; dedicated_secret issues a new secret each time (the
     * rotation: the old one stops at once) and answers it, once. The secret the old setting named is dropped.
     */
    async setPushSigning(
      merchantId: string,
      setting: z.infer<typeof pushSigningSchema>,
      reason: string,
      caller: Caller,
    ) {
      await existing(merchantId);
      const { state } = await ledger.merchants.load(merchantStream(merchantId));
      const { pushSigning, webhookSecret } = await pushSigningOf(setting);
      await handle(merchantId, { type: "SetPushSigning", pushSigning, reason }, caller);
      if (state.profile) await secrets.retire(state.profile.pushSigning, pushSigning);
      return { ...(await existing(merchantId)), ...(webhookSecret ? { webhookSecret } : {}) };
    },

    /** A new server_key; the old one keeps working for `overlapSeconds` (0: stops now). */
    async rotateMerchantKey(merchantId: string, overlapSeconds: number, reason: string, caller: Caller) {
      await existing(merchantId);
      const serverKey = newServerKey();
      await handle(
        merchantId,
        {
          type: "RotateServerKey",
          serverKeyRef: await ledger.serverKeys.referenceOf(serverKey),
          overlapSeconds,
          reason,
        },
        caller,
      );
      return { ...(await existing(merchantId)), serverKey };
    },

    async setMerchantStatus(
      merchantId: string,
      status: "active" | "suspended",
      reason: string,
      caller: Caller,
    ) {
      await existing(merchantId);
      await handle(merchantId, { type: status === "suspended" ? "Suspend" : "Reactivate", reason }, caller);
      return existing(merchantId);
    },

    merchant: view,

    async merchantList(): Promise<MerchantView[]> {
      const rows = await ledger.readStore.query("SELECT merchant_id FROM merchants ORDER BY merchant_id", []);
      const views = await Promise.all(rows.map((r) => view(String(r.merchant_id))));
      return views.filter((v) => v !== undefined);
    },
  };
}
