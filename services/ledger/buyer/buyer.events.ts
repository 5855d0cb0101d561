import { z } from "zod";
import { type DomainEvents, type EventData, eventCodec } from "../../../contracts/event-codec.ts";

/** `buyer-<userId>`: a Checkout API user's identity; their money lives on `creditline-<userId>`. */
export const buyerEvents = {
  BuyerRegistered: {
    schemaVersion: 1,
    data: z.object({
      userId: z.string(),
      phone: z.string(),
      /** scrypt hashes: the log never holds a PIN or an OTP. */
      pinHash: z.string(),
      otpHash: z.string(),
    }),
  },
};

export type BuyerEvent = DomainEvents<typeof buyerEvents>;
export type BuyerProfile = EventData<BuyerEvent, "BuyerRegistered">;
export const buyerCodec = eventCodec(buyerEvents);
