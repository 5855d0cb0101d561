import { z } from "zod";
import { type DomainEvents, type EventData, eventCodec } from "../../../contracts/event-codec.ts";

const reason = z.object({ reason: z.string() });

/** `buyer-<userId>`: a Checkout API user's identity; their money lives on `creditline-<userId>`. */
export const buyerEvents = {
  BuyerRegistered: {
    schemaVersion: 1,
    data: z.object({
      userId: z.string(),
      phone: z.string(),
      /**
       * scrypt hashes: the log never holds a PIN or an OTP. A buyer an operator registers has neither: the
       * PIN is set by the buyer through a link (PinSet), OTPs are sent per sign-in (OtpSender).
       */
      pinHash: z.string().optional(),
      otpHash: z.string().optional(),
    }),
  },
  /** A one-time link to set the PIN: the log keeps the link token's SHA-256, never the token. */
  PinLinkIssued: { schemaVersion: 1, data: z.object({ linkHash: z.string(), expiresAt: z.string() }) },
  /**
   * The buyer set their PIN through the link named by its hash; the link is spent. The PIN's hash is kept
   * outside the log (services/checkout/buyer-pins.ts) under `pinRef`.
   */
  PinSet: { schemaVersion: 1, data: z.object({ pinRef: z.string(), linkHash: z.string() }) },
  BuyerFrozen: { schemaVersion: 1, data: reason },
  BuyerUnfrozen: { schemaVersion: 1, data: reason },
  BuyerClosed: { schemaVersion: 1, data: reason },
};

export type BuyerEvent = DomainEvents<typeof buyerEvents>;
export type BuyerProfile = EventData<BuyerEvent, "BuyerRegistered">;
export const buyerCodec = eventCodec(buyerEvents);
