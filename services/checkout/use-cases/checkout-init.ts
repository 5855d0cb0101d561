import { v5 as uuidv5 } from "uuid";
import type { InitEcomRequest, InitOfflineRequest } from "../../../contracts/checkout/init.ts";
import { isDeductionItemId } from "../../../contracts/checkout/init.ts";
import type { CheckoutItem, InitiatedData } from "../../ledger/checkout/checkout.events.ts";
import { type Caller, Rejection } from "../../ledger/decider.ts";
import { sha256Hex } from "../credentials.ts";
import type { CheckoutLedger } from "./checkout-ledger.ts";
import type { CheckoutUseCaseRule } from "./rules.ts";

// Transaction ids are derived from (merchant, order_id): the checkout stream then is the uniqueness
// boundary for order ids, and two racing inits of one order cannot create two transactions.
const TRANSACTION_NAMESPACE = "6f1c3a52-5d0e-4d8e-9a3b-2f7f0c1d9e41";
/** Seed "Initiate Offline Checkout": expiry_time "Default is 24 hours (1 day)". */
export const OFFLINE_DEFAULT_EXPIRY_SECONDS = 24 * 3600;

/** The merchant starts a checkout (checkout/init) and hands the buyer our hosted page's URL. */
export function checkoutInit(ledger: CheckoutLedger) {
  const { options } = ledger;

  const transactionIdFor = (merchantId: string, orderId: string): string =>
    uuidv5(`${merchantId}\n${orderId}`, TRANSACTION_NAMESPACE);

  const checkoutUrl = (transactionId: string): string =>
    `${options.publicBaseUrl}/kredivo/signIn?tk=${transactionId}`;

  /** Where the PNG of an offline checkout's QR code is served (hosted-page/qr.ts); it encodes checkoutUrl. */
  const qrLink = (transactionId: string): string =>
    `${options.publicBaseUrl}/kredivo/qr/${transactionId}.png`;

  return {
    transactionIdFor,
    checkoutUrl,
    qrLink,

    /**
     * An offline (QR) checkout at one of the merchant's dealers: checked in this order, server_key (2012),
     * dealer_code, expiry_time, then the decider's Initiate rules (each 1002).
     */
    async initOffline(request: InitOfflineRequest, caller: Caller) {
      const { merchantId } = await ledger.merchantByKey(request.server_key);
      if (!(await ledger.isDealerOf(merchantId, request.dealer_code))) {
        throw new Rejection<CheckoutUseCaseRule>("dealer_code_must_be_registered", {
          dealerCode: request.dealer_code,
        });
      }
      const now = options.now();
      if (request.expiry_time !== undefined && request.expiry_time * 1000 <= now.getTime()) {
        throw new Rejection<CheckoutUseCaseRule>("expiry_time_must_be_in_the_future", {
          nowSeconds: Math.floor(now.getTime() / 1000),
        });
      }
      const transactionId = transactionIdFor(merchantId, request.order_id);
      const data = initiatedData(request, { transactionId, merchantId }, now, options);
      await ledger.checkoutCommand(
        transactionId,
        { type: "Initiate", data },
        { ...caller, actor: `merchant:${merchantId}` },
        merchantId,
      );
      return { transactionId, qrLink: qrLink(transactionId) };
    },

    /** `tokenization`: tokenize the buyer for this client_user_key once settled (0-click, code 2007). */
    async init(request: InitEcomRequest, caller: Caller, tokenization?: { readonly clientUserKey: string }) {
      const { merchantId } = await ledger.merchantByKey(request.server_key);
      const transactionId = transactionIdFor(merchantId, request.order_id);
      const data = initiatedData(request, { transactionId, merchantId }, options.now(), options);
      const { state } = await ledger.checkoutCommand(
        transactionId,
        { type: "Initiate", data, ...(tokenization && { tokenization }) },
        { ...caller, actor: `merchant:${merchantId}` },
        merchantId,
      );
      // A retry answers as the first request did: whether it tokenizes is on the checkout's stream.
      return {
        transactionId,
        checkoutUrl: checkoutUrl(transactionId),
        tokenizes: state.tokenization !== undefined,
      };
    },
  };
}

/** The request as the Initiated event records it; its fingerprint tells a retried init from a different one. */
export function initiatedData(
  request: InitEcomRequest | InitOfflineRequest,
  ids: { transactionId: string; merchantId: string },
  now: Date,
  options: { readonly checkoutExpirySeconds: number },
): InitiatedData {
  const { server_key: _key, ...fingerprinted } = request;
  const common = {
    ...ids,
    orderId: request.order_id,
    currency: "VND" as const,
    amountMinor: request.amount.amountMinor,
    tenure: request.tenure,
    items: request.items.map(toCheckoutItem),
    pushUrl: request.push_url,
    backToStoreUrl: request.back_to_store_url,
    requestFingerprint: sha256Hex(stableJson(fingerprinted)),
    initiatedAt: now.toISOString(),
  };
  if (request.source === "offline") {
    const expirySeconds = request.expiry_time ?? now.getTime() / 1000 + OFFLINE_DEFAULT_EXPIRY_SECONDS;
    return {
      ...common,
      details: { buyers: request.buyers },
      expiresAt: new Date(expirySeconds * 1000).toISOString(),
      source: "offline",
      dealerCode: request.dealer_code,
      metadata: request.metadata,
    };
  }
  return {
    ...common,
    details: {
      sellers: request.sellers ?? [],
      buyers: request.buyers,
      shipping_addresses: request.shipping_addresses ?? [],
      ip_address: request.ip_address,
      user_agent: request.user_agent,
      device_id: request.device_id,
      imsi: request.imsi,
    },
    cancelUrl: request.cancel_url,
    expiresAt: new Date(now.getTime() + options.checkoutExpirySeconds * 1000).toISOString(),
    source: "ecom",
  };
}

function toCheckoutItem(item: InitEcomRequest["items"][number]): CheckoutItem {
  const price = item.price.amountMinor;
  const magnitude = price < 0n ? -price : price;
  return {
    id: item.id,
    name: item.name,
    priceMinor: isDeductionItemId(item.id) ? -magnitude : price,
    quantity: item.quantity,
    type: item.type,
    url: item.url,
    imageUrl: item.image_url,
    parentType: item.parent_type,
    parentId: item.parent_id,
  };
}

/** JSON with sorted keys and bigint as text: equal requests hash equal whatever their key order. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_, v) => {
    if (typeof v === "bigint") return v.toString();
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)));
    }
    return v;
  });
}
