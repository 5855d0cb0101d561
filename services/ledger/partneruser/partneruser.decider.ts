import { type Decider, invariant, Rejection, unhandled } from "../decider.ts";
import type { PartnerUserEvent, PartnerUserIdentity, PartnerUserState } from "./partneruser.events.ts";

/** Every rule a partner-user command can break, in precedence order. */
export type PartnerUserRule = "user_must_exist";

export type PartnerUserCommand =
  /** Creates the user; a user already there stays as it is (the eligibility call is repeated at will). */
  | { readonly type: "Create"; readonly identity: PartnerUserIdentity }
  | { readonly type: "GiveContext"; readonly prefill: Readonly<Record<string, string>> };

export interface PartnerUserStateView {
  readonly identity: PartnerUserIdentity | undefined;
  readonly state: PartnerUserState;
  readonly prefill: Readonly<Record<string, string>>;
}

/** Rules: user_must_exist. A prefill that changes nothing is a no-op, so a repeated eligibility call appends nothing. */
function giveContext(
  prefill: Readonly<Record<string, string>>,
  state: PartnerUserStateView,
): PartnerUserEvent[] {
  if (!state.identity) throw new Rejection<PartnerUserRule>("user_must_exist");
  const changed = Object.entries(prefill).filter(([field, value]) => state.prefill[field] !== value);
  if (changed.length === 0) return [];
  return [{ type: "UserContextGiven", data: { prefill: Object.fromEntries(changed) } }];
}

export const partnerUserDecider: Decider<PartnerUserCommand, PartnerUserEvent, PartnerUserStateView> = {
  initialState: { identity: undefined, state: "IncompleteProfile", prefill: {} },
  decide(command, state) {
    switch (command.type) {
      case "Create":
        if (state.identity) return [];
        return [{ type: "PartnerUserCreated", data: command.identity }];
      case "GiveContext":
        return giveContext(command.prefill, state);
      default:
        return unhandled(command);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case "PartnerUserCreated":
        invariant(state.identity === undefined, "a partner user is created once");
        return { ...state, identity: event.data };
      case "UserContextGiven":
        invariant(state.identity !== undefined, "only a created user is prefilled");
        return { ...state, prefill: { ...state.prefill, ...event.data.prefill } };
      default:
        return unhandled(event);
    }
  },
};

/** One stream per partner and mobile, so the first eligibility call for a mobile creates its user once. */
export const partnerUserStream = (partnerId: string, mobile: string) => `partneruser-${partnerId}:${mobile}`;
