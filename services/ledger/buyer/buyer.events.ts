import { z } from "zod";
import { type DomainEvents, type EventData, eventCodec } from "../../../contracts/event-codec.ts";
import { legacyHashRef } from "../../../contracts/secret-refs.ts";

const reason = z.object({ reason: z.string() });

const registeredV1Data = z.object({
  userId: z.string(),
  phone: z.string(),
  pinHash: z.string().optional(),
  otpHash: z.string().optional(),
});

/** v1 recorded the PIN's and OTP's scrypt hashes in the clear: they read as legacy references to them. */
function registeredV1(stored: unknown): unknown {
  const { pinHash, otpHash, ...identity } = registeredV1Data.parse(stored);
  return {
    ...identity,
    ...(pinHash === undefined ? {} : { pinRef: legacyHashRef(pinHash) }),
    ...(otpHash === undefined ? {} : { otpRef: legacyHashRef(otpHash) }),
  };
}

/** `buyer-<userId>`: a Checkout API user's identity; their money lives on `creditline-<userId>`. */
export const buyerEvents = {
  /**
   * v2: the PIN and the fixed OTP (the sandbox buyer's) by reference into the secret store, where their
   * scrypt hashes are (services/checkout/buyer-secrets.ts); v1 held the hashes. A buyer an operator
   * registers has neither: the PIN is set by the buyer through a link (PinSet), OTPs are sent per sign-in.
   */
  BuyerRegistered: {
    schemaVersion: 2,
    data: registeredV1Data
      .omit({ pinHash: true, otpHash: true })
      .extend({ pinRef: z.string().optional(), otpRef: z.string().optional() }),
    upcast: { 1: registeredV1 },
  },
  /** A one-time link to set the PIN: the log keeps the link token's SHA-256, never the token. */
  PinLinkIssued: { schemaVersion: 1, data: z.object({ linkHash: z.string(), expiresAt: z.string() }) },
  /**
   * The buyer set their PIN through the link named by its hash; the link is spent. The PIN's hash is kept
   * outside the log (services/checkout/buyer-secrets.ts) under `pinRef`.
   */
  PinSet: { schemaVersion: 1, data: z.object({ pinRef: z.string(), linkHash: z.string() }) },
  BuyerFrozen: { schemaVersion: 1, data: reason },
  BuyerUnfrozen: { schemaVersion: 1, data: reason },
  BuyerClosed: { schemaVersion: 1, data: reason },
};

export type BuyerEvent = DomainEvents<typeof buyerEvents>;
export type BuyerProfile = EventData<BuyerEvent, "BuyerRegistered">;
export const buyerCodec = eventCodec(buyerEvents);
