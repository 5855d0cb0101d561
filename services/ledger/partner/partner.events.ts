import { z } from "zod";
import { type DomainEvents, type EventData, eventCodec } from "../../../contracts/event-codec.ts";
import { legacySha256Ref } from "../../../contracts/secret-refs.ts";

const registeredV1Data = z.object({
  partnerId: z.string(),
  name: z.string(),
  secretHash: z.string(),
  clientTokenHash: z.string(),
  /** The `source` values this partner may send (the seed's "Static Value provided by kredmint"). */
  allowedSources: z.array(z.string()),
  /** Where webhooks go; its Basic credentials live in the secret table, not here. */
  webhookUrl: z.string().nullable(),
});

/** v1 recorded the SHA-256 of the secret and of the client token in the clear: they read as legacy references. */
function registeredV1(stored: unknown): unknown {
  const { secretHash, clientTokenHash, ...rest } = registeredV1Data.parse(stored);
  return {
    ...rest,
    secretRef: legacySha256Ref(secretHash),
    clientTokenRef: legacySha256Ref(clientTokenHash),
  };
}

const secretRotatedV1 = (stored: unknown): unknown => ({
  secretRef: legacySha256Ref(z.object({ secretHash: z.string() }).parse(stored).secretHash),
});
const clientTokenRotatedV1 = (stored: unknown): unknown => ({
  clientTokenRef: legacySha256Ref(z.object({ clientTokenHash: z.string() }).parse(stored).clientTokenHash),
});

/** `partner-<partnerId>`: a Partner API (seed 000) partner's configuration (DESIGN.md "stream kinds"). */
export const partnerEvents = {
  /**
   * v2: the Basic secret and the onboarding URL's clientToken by reference into the secret store, where their
   * SHA-256 is (v1 recorded it, and the secret's SHA-256 keys the partner's webhook signatures).
   */
  PartnerRegistered: {
    schemaVersion: 2,
    data: registeredV1Data
      .omit({ secretHash: true, clientTokenHash: true })
      .extend({ secretRef: z.string(), clientTokenRef: z.string() }),
    upcast: { 1: registeredV1 },
  },
  PartnerSecretRotated: {
    schemaVersion: 2,
    data: z.object({ secretRef: z.string() }),
    upcast: { 1: secretRotatedV1 },
  },
  PartnerClientTokenRotated: {
    schemaVersion: 2,
    data: z.object({ clientTokenRef: z.string() }),
    upcast: { 1: clientTokenRotatedV1 },
  },
};

export type PartnerEvent = DomainEvents<typeof partnerEvents>;
export type PartnerProfile = EventData<PartnerEvent, "PartnerRegistered">;
export const partnerCodec = eventCodec(partnerEvents);
