import { v5 as uuidv5 } from "uuid";
import type { InitEcomRequest } from "../../../contracts/checkout/init.ts";
import { isDeductionItemId } from "../../../contracts/checkout/init.ts";
import type { CheckoutItem, InitiatedData } from "../../ledger/checkout/checkout.events.ts";
import type { Caller } from "../../ledger/decider.ts";
import { sha256Hex } from "../credentials.ts";
import type { CheckoutLedger } from "./checkout-ledger.ts";

// Transaction ids are derived from (merchant, order_id): the checkout stream then is the uniqueness
// boundary for order ids, and two racing inits of one order cannot create two transactions.
const TRANSACTION_NAMESPACE = "6f1c3a52-5d0e-4d8e-9a3b-2f7f0c1d9e41";

/** The merchant starts a checkout (checkout/init) and hands the buyer our hosted page's URL. */
export function checkoutInit(ledger: CheckoutLedger) {
  const { options } = ledger;

  const transactionIdFor = (merchantId: string, orderId: string): string =>
    uuidv5(`${merchantId}\n${orderId}`, TRANSACTION_NAMESPACE);

  const checkoutUrl = (transactionId: string): string =>
    `${options.publicBaseUrl}/kredivo/signIn?tk=${transactionId}`;

  return {
    transactionIdFor,
    checkoutUrl,

    /** `tokenization`: tokenize the buyer for this client_user_key once settled (0-click, code 2007). */
    async init(request: InitEcomRequest, caller: Caller, tokenization?: { readonly clientUserKey: string }) {
      const { merchantId } = await ledger.merchantByKey(request.server_key);
      const transactionId = transactionIdFor(merchantId, request.order_id);
      const data = initiatedData(request, { transactionId, merchantId }, options.now(), options);
      await ledger.checkoutCommand(
        transactionId,
        { type: "Initiate", data, ...(tokenization && { tokenization }) },
        { ...caller, actor: `merchant:${merchantId}` },
        merchantId,
      );
      return { transactionId, checkoutUrl: checkoutUrl(transactionId) };
    },
  };
}

/** The request as the Initiated event records it; its fingerprint tells a retried init from a different one. */
export function initiatedData(
  request: InitEcomRequest,
  ids: { transactionId: string; merchantId: string },
  now: Date,
  options: { readonly checkoutExpirySeconds: number },
): InitiatedData {
  const { server_key: _key, ...fingerprinted } = request;
  return {
    ...ids,
    orderId: request.order_id,
    currency: "VND",
    amountMinor: request.amount.amountMinor,
    tenure: request.tenure,
    items: request.items.map(toCheckoutItem),
    details: {
      sellers: request.sellers ?? [],
      buyers: request.buyers,
      shipping_addresses: request.shipping_addresses ?? [],
      ip_address: request.ip_address,
      user_agent: request.user_agent,
      device_id: request.device_id,
      imsi: request.imsi,
    },
    pushUrl: request.push_url,
    backToStoreUrl: request.back_to_store_url,
    cancelUrl: request.cancel_url,
    requestFingerprint: sha256Hex(stableJson(fingerprinted)),
    initiatedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + options.checkoutExpirySeconds * 1000).toISOString(),
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
