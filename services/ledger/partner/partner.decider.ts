import { type Decider, invariant, Rejection, unhandled } from "../decider.ts";
import type { PartnerEvent, PartnerProfile } from "./partner.events.ts";

/** Every rule a partner command can break, in precedence order. */
export type PartnerRule =
  | "partner_sources_must_not_be_empty"
  | "partner_must_not_be_registered_twice"
  | "partner_must_exist";

export type PartnerCommand =
  | { readonly type: "Register"; readonly profile: PartnerProfile }
  | { readonly type: "RotateSecret"; readonly secretRef: string }
  | { readonly type: "RotateClientToken"; readonly clientTokenRef: string };

export interface PartnerState {
  readonly profile: PartnerProfile | undefined;
}

/** Registration is identity and terms; the secret and client token change by rotation, so they are not compared. */
const sameRegistration = (a: PartnerProfile, b: PartnerProfile) =>
  a.partnerId === b.partnerId &&
  a.name === b.name &&
  a.webhookUrl === b.webhookUrl &&
  a.allowedSources.length === b.allowedSources.length &&
  a.allowedSources.every((source, i) => source === b.allowedSources[i]);

/**
 * Rules, in precedence order: partner_sources_must_not_be_empty (a partner that may send no `source` could
 * make no call), partner_must_not_be_registered_twice (the same registration again is a no-op: the sandbox
 * is seeded at every start), partner_must_exist (rotations).
 */
function register(profile: PartnerProfile, state: PartnerState): PartnerEvent[] {
  if (profile.allowedSources.length === 0) {
    throw new Rejection<PartnerRule>("partner_sources_must_not_be_empty");
  }
  if (state.profile) {
    if (sameRegistration(state.profile, profile)) return [];
    throw new Rejection<PartnerRule>("partner_must_not_be_registered_twice", {
      partnerId: profile.partnerId,
    });
  }
  return [{ type: "PartnerRegistered", data: profile }];
}

export const partnerDecider: Decider<PartnerCommand, PartnerEvent, PartnerState> = {
  initialState: { profile: undefined },
  decide(command, state) {
    switch (command.type) {
      case "Register":
        return register(command.profile, state);
      case "RotateSecret":
        if (!state.profile) throw new Rejection<PartnerRule>("partner_must_exist");
        if (state.profile.secretRef === command.secretRef) return [];
        return [{ type: "PartnerSecretRotated", data: { secretRef: command.secretRef } }];
      case "RotateClientToken":
        if (!state.profile) throw new Rejection<PartnerRule>("partner_must_exist");
        if (state.profile.clientTokenRef === command.clientTokenRef) return [];
        return [{ type: "PartnerClientTokenRotated", data: { clientTokenRef: command.clientTokenRef } }];
      default:
        return unhandled(command);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case "PartnerRegistered":
        invariant(state.profile === undefined, "a partner is registered once");
        return { profile: event.data };
      case "PartnerSecretRotated":
        invariant(state.profile !== undefined, "only a registered partner rotates its secret");
        return { profile: { ...state.profile, secretRef: event.data.secretRef } };
      case "PartnerClientTokenRotated":
        invariant(state.profile !== undefined, "only a registered partner rotates its client token");
        return { profile: { ...state.profile, clientTokenRef: event.data.clientTokenRef } };
      default:
        return unhandled(event);
    }
  },
};

export const partnerStream = (partnerId: string) => `partner-${partnerId}`;
