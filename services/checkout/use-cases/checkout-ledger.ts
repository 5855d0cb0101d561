import { isIssuedTransactionId } from "../../../contracts/checkout/common.ts";
import { buyerDecider } from "../../ledger/buyer/buyer.decider.ts";
import { buyerCodec } from "../../ledger/buyer/buyer.events.ts";
import {
  type CheckoutCommand,
  checkoutDecider,
  checkoutStream,
} from "../../ledger/checkout/checkout.decider.ts";
import { checkoutCodec } from "../../ledger/checkout/checkout.events.ts";
import { creditLineDecider } from "../../ledger/creditline/creditline.decider.ts";
import { creditLineCodec } from "../../ledger/creditline/creditline.events.ts";
import { type Caller, type CommandMeta, Rejection } from "../../ledger/decider.ts";
import type { InterestRates } from "../../ledger/loan/loan-terms.ts";
import { merchantDecider } from "../../ledger/merchant/merchant.decider.ts";
import { merchantCodec } from "../../ledger/merchant/merchant.events.ts";
import { tokenizationDecider } from "../../ledger/tokenization/tokenization.decider.ts";
import { tokenizationCodec } from "../../ledger/tokenization/tokenization.events.ts";
import { userTokenDecider, type ZeroClickRiskRules } from "../../ledger/usertoken/usertoken.decider.ts";
import { userTokenCodec } from "../../ledger/usertoken/usertoken.events.ts";
import { commandHandler } from "../../platform/command-handler.ts";
import type { EventStore } from "../../platform/eventstore/port.ts";
import type { OtpCodes } from "../../platform/otp/otp-codes.ts";
import type { ReadStore } from "../../platform/readstore/port.ts";
import type { SecretStore } from "../../platform/secrets/port.ts";
import { buyerSecrets } from "../buyer-secrets.ts";
import { serverKeys } from "../server-keys.ts";
import type { CheckoutUseCaseRule } from "./rules.ts";

export interface CheckoutServiceOptions {
  readonly store: EventStore;
  readonly readStore: ReadStore;
  /** Server keys and PINs, outside the log (README "Secrets"). */
  readonly secrets: SecretStore;
  /** Read-your-writes: resolves when projections have reached the position (bounded). */
  readonly waitForProjections: (position: string) => Promise<boolean>;
  readonly now: () => Date;
  readonly publicBaseUrl: string;
  readonly confirmTimeoutSeconds: number;
  readonly checkoutExpirySeconds: number;
  readonly interestRates: InterestRates;
  /** When a 0-click checkout is sent to an OTP challenge (ZERO_CLICK_* in the configuration). */
  readonly zeroClickRisk: ZeroClickRiskRules;
  /** One-time codes for the hosted pages' OTP step, sent through the configured OtpSender. */
  readonly otpCodes: OtpCodes;
}

export type CheckoutLedger = ReturnType<typeof checkoutLedger>;

/**
 * What every checkout use case works with: the command handlers of the streams it touches, the metadata of
 * a command, and the two lookups most of them start with (the merchant a server_key names, a transaction).
 */
export function checkoutLedger(options: CheckoutServiceOptions) {
  const { store, readStore } = options;
  const checkouts = commandHandler(store, checkoutDecider, checkoutCodec);
  const keys = serverKeys(options.secrets);

  /** A transaction's state, or undefined when it is unknown: an id not in the form we issue names none and
   * never becomes a stream name (the event store would refuse it as a bug of ours). */
  const findCheckout = async (transactionId: string) => {
    if (!isIssuedTransactionId(transactionId)) return undefined;
    const { state } = await checkouts.load(checkoutStream(transactionId));
    return state.phase === "none" || !state.initiated ? undefined : { state, initiated: state.initiated };
  };

  const meta = (caller: Caller, tenantId: string): CommandMeta => ({
    now: options.now().toISOString(),
    actor: caller.actor,
    tenantId,
    correlationId: caller.correlationId,
    causationId: caller.causationId,
  });

  return {
    options,
    readStore,
    serverKeys: keys,
    buyerSecrets: buyerSecrets(options.secrets, readStore),
    checkouts,
    creditLines: commandHandler(store, creditLineDecider, creditLineCodec),
    merchants: commandHandler(store, merchantDecider, merchantCodec),
    buyers: commandHandler(store, buyerDecider, buyerCodec),
    userTokens: commandHandler(store, userTokenDecider, userTokenCodec),
    tokenizations: commandHandler(store, tokenizationDecider, tokenizationCodec),
    meta,

    /**
     * The active merchant a server_key names: its current key, or the one a rotation replaced while the
     * rotation's overlap lasts (ISO 8601 UTC strings compare in time order).
     */
    async merchantByKey(serverKey: string) {
      const refs = await keys.referencesOf(serverKey);
      const [row] = await readStore.query(
        `SELECT m.merchant_id FROM merchant_server_keys k JOIN merchants m ON m.merchant_id = k.merchant_id
         WHERE k.server_key_ref IN (${refs.map(() => "?").join(", ")})
           AND (k.valid_until IS NULL OR k.valid_until > ?) AND m.status = 'active'`,
        [...refs, options.now().toISOString()],
      );
      if (!row) throw new Rejection<CheckoutUseCaseRule>("server_key_must_belong_to_active_merchant");
      return { merchantId: String(row.merchant_id) };
    },

    /** Whether `dealerCode` is one of the merchant's registered dealers (the directory read model). */
    async isDealerOf(merchantId: string, dealerCode: string): Promise<boolean> {
      const rows = await readStore.query(
        "SELECT 1 AS found FROM merchant_dealers WHERE merchant_id = ? AND dealer_code = ?",
        [merchantId, dealerCode],
      );
      return rows.length > 0;
    },

    findCheckout,

    async loadCheckout(transactionId: string) {
      const found = await findCheckout(transactionId);
      if (found === undefined) {
        throw new Rejection<CheckoutUseCaseRule>("transaction_must_be_known", { transactionId });
      }
      return found;
    },

    /** One command on a checkout's stream, answered once the read models show it (read-your-writes). */
    async checkoutCommand(transactionId: string, command: CheckoutCommand, caller: Caller, tenantId: string) {
      const handled = await checkouts.handle(checkoutStream(transactionId), command, meta(caller, tenantId));
      if (handled.position !== undefined) await options.waitForProjections(handled.position);
      return handled;
    },
  };
}
