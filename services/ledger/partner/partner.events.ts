import { z } from "zod";
import { type DomainEvents, type EventData, eventCodec } from "../../../contracts/event-codec.ts";

/** `partner-<partnerId>`: a Partner API (seed 000) partner's configuration (DESIGN.md "stream kinds"). */
export const partnerEvents = {
  PartnerRegistered: {
    schemaVersion: 1,
    data: z.object({
      partnerId: z.string(),
      name: z.string(),
      /** SHA-256 of the Basic secret: the log never holds the secret itself. */
      secretHash: z.string(),
      /** SHA-256 of the clientToken of the static onboarding URL. */
      clientTokenHash: z.string(),
      /** The `source` values this partner may send (the seed's "Static Value provided by kredmint"). */
      allowedSources: z.array(z.string()),
      /** Where webhooks go; its Basic credentials live in the secret table, not here. */
      webhookUrl: z.string().nullable(),
    }),
  },
  PartnerSecretRotated: { schemaVersion: 1, data: z.object({ secretHash: z.string() }) },
  PartnerClientTokenRotated: { schemaVersion: 1, data: z.object({ clientTokenHash: z.string() }) },
};

export type PartnerEvent = DomainEvents<typeof partnerEvents>;
export type PartnerProfile = EventData<PartnerEvent, "PartnerRegistered">;
export const partnerCodec = eventCodec(partnerEvents);
