import { z } from "zod";
import { type DomainEvents, type EventData, eventCodec, minorUnits } from "../../../contracts/event-codec.ts";

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
  /** The user filled in the onboarding page's profile form (prefilled from the partner's userContext). */
  ProfileSubmitted: {
    schemaVersion: 1,
    data: z.object({ profile: z.record(z.string(), z.string()) }),
  },
  /**
   * A FINANCIAL_DATA document (`UDOC-<n>`): the file is in the blob store under its SHA-256 (never in the log,
   * nor its password), and the underwriting rule's proposal over it. The user is then under review.
   */
  FinancialDataUploaded: {
    schemaVersion: 1,
    data: z.object({
      documentId: z.string(),
      name: z.string(),
      relativeUrl: z.string(),
      format: z.enum(["csv", "json"]),
      sha256: z.string(),
      sizeBytes: z.number().int(),
      /** Who uploaded it: the partner (API) or the user (onboarding page). */
      uploadedBy: z.string(),
      months: z.number().int(),
      proposedLimitMinor: minorUnits,
      basis: z.string(),
    }),
  },
  /** An operator approved the user with an INR revolving credit limit: the user is Active. */
  UserApproved: {
    schemaVersion: 1,
    data: z.object({ creditLimitMinor: minorUnits, decidedBy: z.string() }),
  },
  /** An operator rejected the user, saying why: the user is Rejected. */
  UserRejected: {
    schemaVersion: 1,
    data: z.object({ reason: z.string(), decidedBy: z.string() }),
  },
};

export type PartnerUserEvent = DomainEvents<typeof partnerUserEvents>;
export type PartnerUserIdentity = EventData<PartnerUserEvent, "PartnerUserCreated">;
export type FinancialDocument = EventData<PartnerUserEvent, "FinancialDataUploaded">;
export const partnerUserCodec = eventCodec(partnerUserEvents);
