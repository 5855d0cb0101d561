import { initExample } from "../../contracts/checkout/init.ts";
import { sha256Hex, signatureKey } from "../../services/checkout/credentials.ts";
import type { Tenure } from "../../services/ledger/creditline/creditline.events.ts";

// The merchant's side of the Checkout API as the tests send it: the seed's sample request for the sandbox
// merchant, fresh order ids, and the signature_key a push carries.

/** The sandbox merchant's server_key: the default of SANDBOX_SERVER_KEY (services/platform/config.ts). */
export const SANDBOX_SERVER_KEY = "sandbox-server-key-9f2c4e1a7b3d";
/** The sandbox merchant's dealers: the default of SANDBOX_DEALER_CODES, the seed's own codes. */
export const SANDBOX_DEALER_CODES = ["SF241290", "STORE123123"] as const;
/** The seed's sample order (contracts/checkout/init.ts initExample), in VND. */
export const SEED_AMOUNT = 6_505_000;
export const SEED_AMOUNT_MINOR = BigInt(SEED_AMOUNT);

let orders = 0;
/** An order_id no other request of this test process uses. */
export const nextOrder = (prefix: string) => `${prefix}-${Date.now()}-${++orders}`;

const seedRequest: Record<string, unknown> = initExample;

/** The seed's 2-click request sent to the sandbox merchant under `orderId`. */
export function sampleInit(
  orderId: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return { ...structuredClone(seedRequest), server_key: SANDBOX_SERVER_KEY, order_id: orderId, ...overrides };
}

/** The seed's 2-click request pushing to `pushUrl`; the buyer's way back leads to a port nobody listens on. */
export function initRequest(
  orderId: string,
  pushUrl: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return sampleInit(orderId, {
    push_url: pushUrl,
    back_to_store_url: "http://127.0.0.1:9/back-to-store",
    cancel_url: "http://127.0.0.1:9/cancelled",
    ...overrides,
  });
}

/** transaction/status of `transactionId`, asked by the sandbox merchant unless another key is given. */
export function statusRequest(transactionId: string, serverKey = SANDBOX_SERVER_KEY) {
  return { server_key: serverKey, transaction_id: transactionId };
}

/** transaction/cancel by the sandbox merchant: in full unless `extra` names an amount (undefined is left out). */
export function cancelRequest(
  checkout: { transactionId: string; orderId: string },
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    transaction_id: checkout.transactionId,
    server_key: SANDBOX_SERVER_KEY,
    reason: "Out of stock",
    cancelled_by: "merchant_name",
    order_id: checkout.orderId,
    ...extra,
  };
}

/** checkout/init overrides for one item worth `amount` VND. */
export function singleItem(amount: number): Record<string, unknown> {
  return {
    amount,
    items: [
      { id: "ITEM-1", name: "Item", price: amount, type: "Goods", url: "http://m.example/i", quantity: 1 },
    ],
  };
}

/** The signature_key the push of a checkout carries, as the merchant holding `serverKey` computes it. */
export function pushSignature(
  checkout: { transactionId: string; orderId: string; amountMinor: bigint; tenure: Tenure },
  serverKey = SANDBOX_SERVER_KEY,
): string {
  return signatureKey(sha256Hex(serverKey), checkout);
}
