import { z } from "zod";
import { type DomainEvents, eventCodec } from "../../../contracts/event-codec.ts";

/** `merchant-<id>`: a Checkout API merchant's configuration (DESIGN.md). */
export const merchantEvents = {
  MerchantRegistered: {
    schemaVersion: 1,
    data: z.object({
      merchantId: z.string(),
      name: z.string(),
      /** SHA-256 of the server_key: the log never holds the key itself. */
      serverKeyHash: z.string(),
      /** Merchant discount rate in basis points of the checkout amount. */
      feeRateBps: z.number().int().min(0).max(10_000),
      status: z.enum(["active", "suspended"]),
    }),
  },
  ServerKeyRotated: { schemaVersion: 1, data: z.object({ serverKeyHash: z.string() }) },
};

export type MerchantEvent = DomainEvents<typeof merchantEvents>;
export type MerchantProfile = Extract<MerchantEvent, { type: "MerchantRegistered" }>["data"];
export const merchantCodec = eventCodec(merchantEvents);
