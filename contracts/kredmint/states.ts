/**
 * A partner user's onboarding states, as the eligibility banner's `state` names them. `IncompleteProfile`
 * and `Active` are the seed's words; `UnderReview` and `Rejected` are ours (README "Partner API").
 */
export const PARTNER_USER_STATES = ["IncompleteProfile", "UnderReview", "Active", "Rejected"] as const;
export type PartnerUserState = (typeof PARTNER_USER_STATES)[number];
