import { type Decider, invariant, Rejection, unhandled } from "../decider.ts";
import type { BuyerEvent, BuyerProfile } from "./buyer.events.ts";

/** Every rule a buyer command can break, in precedence order within each command. */
export const BUYER_RULES = {
  Register: ["buyer_must_not_be_registered_twice"],
  IssuePinLink: ["buyer_must_exist", "buyer_must_not_be_closed"],
  SetPin: ["buyer_must_exist", "buyer_must_not_be_closed", "pin_link_must_be_valid"],
  Freeze: ["buyer_must_exist", "buyer_must_not_be_closed"],
  Unfreeze: ["buyer_must_exist", "buyer_must_not_be_closed"],
  Close: ["buyer_must_exist", "buyer_must_have_nothing_outstanding"],
} as const;
export type BuyerRule = (typeof BUYER_RULES)[keyof typeof BUYER_RULES][number];

export type BuyerCommand =
  | { readonly type: "Register"; readonly profile: BuyerProfile }
  /** A link token is made by the caller; only its hash reaches the decider. */
  | { readonly type: "IssuePinLink"; readonly linkHash: string; readonly ttlSeconds: number }
  /** `pinRef` names the PIN's hash in the secret store; the log never holds the hash. */
  | { readonly type: "SetPin"; readonly linkHash: string; readonly pinRef: string }
  | { readonly type: "Freeze"; readonly reason: string }
  | { readonly type: "Unfreeze"; readonly reason: string }
  /** `outstandingMinor`: what the buyer's credit line holds and is owed, read by the caller. */
  | { readonly type: "Close"; readonly reason: string; readonly outstandingMinor: bigint };

export interface BuyerState {
  readonly profile: BuyerProfile | undefined;
  /** Unspent PIN links by hash, with when each expires. */
  readonly pinLinks: ReadonlyMap<string, string>;
  readonly frozen: boolean;
  readonly closed: boolean;
  /** The PIN set through a link, by its reference in the secret store. */
  readonly pinRef: string | undefined;
}

class BuyerRejection extends Rejection<BuyerRule> {}

/** buyer_must_exist, then buyer_must_not_be_closed: what every command but Register and Close checks first. */
function open(state: BuyerState): void {
  if (!state.profile) throw new BuyerRejection("buyer_must_exist");
  if (state.closed) throw new BuyerRejection("buyer_must_not_be_closed");
}

export const buyerDecider: Decider<BuyerCommand, BuyerEvent, BuyerState> = {
  initialState: { profile: undefined, pinLinks: new Map(), frozen: false, closed: false, pinRef: undefined },
  decide(command, state, meta) {
    switch (command.type) {
      case "Register":
        // Re-seeding the same buyer is a no-op; each seed stores fresh secrets, so compare identity, not references.
        if (state.profile) {
          if (state.profile.phone === command.profile.phone) return [];
          throw new BuyerRejection("buyer_must_not_be_registered_twice");
        }
        return [{ type: "BuyerRegistered", data: command.profile }];
      case "IssuePinLink": {
        open(state);
        const expiresAt = new Date(Date.parse(meta.now) + command.ttlSeconds * 1000).toISOString();
        return [{ type: "PinLinkIssued", data: { linkHash: command.linkHash, expiresAt } }];
      }
      case "SetPin": {
        open(state);
        const expiresAt = state.pinLinks.get(command.linkHash);
        if (expiresAt === undefined || expiresAt <= meta.now)
          throw new BuyerRejection("pin_link_must_be_valid");
        return [{ type: "PinSet", data: { pinRef: command.pinRef, linkHash: command.linkHash } }];
      }
      case "Freeze":
        open(state);
        return state.frozen ? [] : [{ type: "BuyerFrozen", data: { reason: command.reason } }];
      case "Unfreeze":
        open(state);
        return state.frozen ? [{ type: "BuyerUnfrozen", data: { reason: command.reason } }] : [];
      case "Close":
        if (!state.profile) throw new BuyerRejection("buyer_must_exist");
        if (state.closed) return [];
        if (command.outstandingMinor > 0n) throw new BuyerRejection("buyer_must_have_nothing_outstanding");
        return [{ type: "BuyerClosed", data: { reason: command.reason } }];
      default:
        return unhandled(command);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case "BuyerRegistered":
        invariant(state.profile === undefined, "a buyer is registered once");
        return { ...state, profile: event.data };
      case "PinLinkIssued":
        return {
          ...state,
          pinLinks: new Map([...state.pinLinks, [event.data.linkHash, event.data.expiresAt]]),
        };
      case "PinSet": {
        invariant(state.profile !== undefined, "only a registered buyer sets a PIN");
        const pinLinks = new Map(state.pinLinks);
        pinLinks.delete(event.data.linkHash);
        return { ...state, pinLinks, pinRef: event.data.pinRef };
      }
      case "BuyerFrozen":
      case "BuyerUnfrozen":
        return { ...state, frozen: event.type === "BuyerFrozen" };
      case "BuyerClosed":
        return { ...state, closed: true, pinLinks: new Map() };
      default:
        return unhandled(event);
    }
  },
};

export const buyerStream = (userId: string) => `buyer-${userId}`;
