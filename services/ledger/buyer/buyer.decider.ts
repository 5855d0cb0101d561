import { type Decider, invariant, Rejection, unhandled } from "../decider.ts";
import type { BuyerEvent, BuyerProfile } from "./buyer.events.ts";

export type BuyerRule = "buyer_must_not_be_registered_twice";

export type BuyerCommand = { readonly type: "Register"; readonly profile: BuyerProfile };

export interface BuyerState {
  readonly profile: BuyerProfile | undefined;
}

export const buyerDecider: Decider<BuyerCommand, BuyerEvent, BuyerState> = {
  initialState: { profile: undefined },
  decide(command, state) {
    switch (command.type) {
      case "Register":
        // Re-seeding the same buyer is a no-op; hashes are salted, so compare identity, not the hashes.
        if (state.profile) {
          if (state.profile.phone === command.profile.phone) return [];
          throw new Rejection<BuyerRule>("buyer_must_not_be_registered_twice");
        }
        return [{ type: "BuyerRegistered", data: command.profile }];
      default:
        return unhandled(command.type);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case "BuyerRegistered":
        invariant(state.profile === undefined, "a buyer is registered once");
        return { profile: event.data };
      default:
        return unhandled(event.type);
    }
  },
};

export const buyerStream = (userId: string) => `buyer-${userId}`;
