import { z } from "zod";
import { type DomainEvents, type EventData, eventCodec, minorUnits } from "../../../contracts/event-codec.ts";
import { currencies } from "../../../contracts/money.ts";
import { legacySha256Ref } from "../../../contracts/secret-refs.ts";

/** The Standard Webhooks signature of the merchant's pushes: with which key, or none (README "Push signing"). */
const pushSigningData = z.union([
  z.object({ standardWebhooks: z.enum(["server_key_hash", "off"]) }),
  /** The secret itself is never in the log: `secretRef` is its key in merchant_push_secrets. */
  z.object({ standardWebhooks: z.literal("dedicated_secret"), secretRef: z.string() }),
]);
export type PushSigning = z.infer<typeof pushSigningData>;

/**
 * Where the server_key's signing material is: a reference into the secret store (services/checkout/server-keys.ts),
 * never the key nor its SHA-256 (the push `signature_key` is keyed with that hash, so whoever holds it can
 * sign pushes). Events before v3 recorded the hash itself; they read as `sha256:<hash>`, the legacy form
 * (docs/secrets.md).
 */
const serverKeyRef = z.string();

const registeredV1Data = z.object({
  merchantId: z.string(),
  name: z.string(),
  serverKeyHash: z.string(),
  /** Merchant discount rate in basis points of the checkout amount. */
  feeRateBps: z.number().int().min(0).max(10_000),
  status: z.enum(["active", "suspended"]),
});
const registeredV2Data = registeredV1Data.extend({ pushSigning: pushSigningData });
const registeredData = registeredV2Data.omit({ serverKeyHash: true }).extend({ serverKeyRef });

/** v1 merchants were all signed with the UTF-8 text of hex(SHA-256(server_key)), as they still are. */
function registeredV1(stored: unknown): unknown {
  return { ...registeredV1Data.parse(stored), pushSigning: { standardWebhooks: "server_key_hash" } };
}

/** v2 recorded the server_key's SHA-256 in the clear: it reads as the legacy reference to it. */
function registeredV2(stored: unknown): unknown {
  const { serverKeyHash, ...rest } = registeredV2Data.parse(stored);
  return { ...rest, serverKeyRef: legacySha256Ref(serverKeyHash) };
}

const rotatedV1Data = z.object({
  serverKeyHash: z.string(),
  previousKeyValidUntil: z.string().optional(),
  reason: z.string().optional(),
});

function rotatedV1(stored: unknown): unknown {
  const { serverKeyHash, ...rest } = rotatedV1Data.parse(stored);
  return { ...rest, serverKeyRef: legacySha256Ref(serverKeyHash) };
}

/** `merchant-<id>`: a Checkout API merchant's configuration (DESIGN.md). */
export const merchantEvents = {
  /**
   * v2: how pushes carry a Standard Webhooks signature (v1 merchants signed with their server key's hash).
   * v3: the server key by reference into the secret store, not its hash.
   */
  MerchantRegistered: {
    schemaVersion: 3,
    data: registeredData,
    upcast: { 1: registeredV1, 2: registeredV2 },
  },
  /** One payout per merchant and currency: the settled, unpaid balance, net of what the merchant owes us. */
  PayoutMade: {
    schemaVersion: 1,
    data: z.object({
      payoutId: z.string(),
      paidAt: z.string(),
      currency: z.enum(currencies),
      /** merchant-payable cleared by this payout. */
      payableMinor: minorUnits,
      /** merchant-receivable (cancellations after earlier payouts) netted off. */
      receivableMinor: minorUnits,
      /** Cash sent: payable − receivable, always > 0. */
      amountMinor: minorUnits,
      bankAccount: z.string(),
      /** The bank's reference of the transfer (UTR). */
      bankReference: z.string(),
      transactionIds: z.array(z.string()),
    }),
  },
  /**
   * A new server_key (by reference; v1 recorded its hash). Until `previousKeyValidUntil` the key it replaces
   * still authenticates too (an overlap window for the merchant to switch); without it the old key stops at once.
   */
  ServerKeyRotated: {
    schemaVersion: 2,
    data: rotatedV1Data.omit({ serverKeyHash: true }).extend({ serverKeyRef }),
    upcast: { 1: rotatedV1 },
  },
  /** An operator stops the merchant: its calls answer 2012 until it is reactivated. */
  MerchantSuspended: { schemaVersion: 1, data: z.object({ reason: z.string() }) },
  MerchantReactivated: { schemaVersion: 1, data: z.object({ reason: z.string() }) },
  /**
   * An operator changed how pushes are signed. `dedicated_secret` names its secret by a reference into
   * merchant_push_secrets (outside the log); setting it again issues a new secret: a rotation.
   */
  PushSigningChanged: {
    schemaVersion: 1,
    data: z.object({ pushSigning: pushSigningData, reason: z.string() }),
  },
  /** A sub-merchant (seed: "dealer_code, a submerchant unique ID") that may start offline checkouts. */
  DealerRegistered: {
    schemaVersion: 1,
    data: z.object({ dealerCode: z.string(), registeredAt: z.string() }),
  },
};

export type MerchantEvent = DomainEvents<typeof merchantEvents>;
export type MerchantProfile = EventData<MerchantEvent, "MerchantRegistered">;
export const merchantCodec = eventCodec(merchantEvents);
