import { z } from "zod";
import { type DomainEvents, type EventData, eventCodec } from "../../../contracts/event-codec.ts";

export type { PartnerUserState } from "../../../contracts/kredmint/states.ts";

/**
 * `partneruser-<partnerId>:<mobile>`: one user of one partner (one per partner and mobile), known to the
 * partner by its `USR-<n>` id: onboarding state, profile prefill and documents.
 */
export const partnerUserEvents = {
  PartnerUserCreated: {
    schemaVersion: 1,
    data: z.object({
      userId: z.string(),
      partnerId: z.string(),
      mobile: z.string(),
      /** The partner's `source` on the call that created the user. */
      source: z.string(),
    }),
  },
  /** The partner's `userContext`, only the fields it gave (empty strings are "not given"), flattened. */
  UserContextGiven: {
    schemaVersion: 1,
    data: z.object({ prefill: z.record(z.string(), z.string()) }),
  },
};

export type PartnerUserEvent = DomainEvents<typeof partnerUserEvents>;
export type PartnerUserIdentity = EventData<PartnerUserEvent, "PartnerUserCreated">;
export const partnerUserCodec = eventCodec(partnerUserEvents);
