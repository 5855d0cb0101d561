import { type Decider, invariant, Rejection, unhandled } from "../decider.ts";
import type { MerchantEvent, MerchantProfile } from "./merchant.events.ts";

export type MerchantCommand =
  | { readonly type: "Register"; readonly profile: MerchantProfile }
  | { readonly type: "RotateServerKey"; readonly serverKeyHash: string };

export interface MerchantState {
  readonly profile: MerchantProfile | undefined;
}

/** Registration is identity and terms; the key is managed by rotation, so it is not compared. */
const sameRegistration = (a: MerchantProfile, b: MerchantProfile) =>
  a.merchantId === b.merchantId &&
  a.name === b.name &&
  a.feeRateBps === b.feeRateBps &&
  a.status === b.status;

export const merchantDecider: Decider<MerchantCommand, MerchantEvent, MerchantState> = {
  initialState: { profile: undefined },
  decide(command, state) {
    switch (command.type) {
      case "Register":
        // Seeding at every start re-sends the same registration: that is a no-op, a different one is refused.
        if (state.profile) {
          if (sameRegistration(state.profile, command.profile)) return [];
          throw new Rejection("merchant_must_not_be_registered_twice");
        }
        return [{ type: "MerchantRegistered", data: command.profile }];
      case "RotateServerKey":
        if (!state.profile) throw new Rejection("merchant_must_exist");
        if (state.profile.serverKeyHash === command.serverKeyHash) return [];
        return [{ type: "ServerKeyRotated", data: { serverKeyHash: command.serverKeyHash } }];
      default:
        return unhandled(command);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case "MerchantRegistered":
        invariant(state.profile === undefined, "a merchant is registered once");
        return { profile: event.data };
      case "ServerKeyRotated":
        invariant(state.profile !== undefined, "only a registered merchant rotates its key");
        return { profile: { ...state.profile, serverKeyHash: event.data.serverKeyHash } };
      default:
        return unhandled(event);
    }
  },
};

export const merchantStream = (merchantId: string) => `merchant-${merchantId}`;
