import { z } from "zod";
import { type DomainEvents, eventCodec, minorUnits } from "../../contracts/event-codec.ts";
import { type Decider, invariant, Rejection, unhandled } from "../../services/ledger/decider.ts";

// A deliberately small decider (a prepaid wallet) to exercise the decider kit before the real streams exist.

export const walletEvents = {
  Deposited: { schemaVersion: 1, data: z.object({ amountMinor: minorUnits, at: z.string() }) },
  Withdrawn: { schemaVersion: 1, data: z.object({ amountMinor: minorUnits, at: z.string() }) },
};
export type WalletEvent = DomainEvents<typeof walletEvents>;
export const walletCodec = eventCodec(walletEvents);

export type WalletCommand =
  | { readonly type: "Deposit"; readonly amountMinor: bigint }
  | { readonly type: "Withdraw"; readonly amountMinor: bigint };

export interface WalletState {
  readonly balanceMinor: bigint;
}

function deposit(command: { amountMinor: bigint }, now: string): WalletEvent[] {
  if (command.amountMinor <= 0n) throw new Rejection("amount_must_be_positive");
  return [{ type: "Deposited", data: { amountMinor: command.amountMinor, at: now } }];
}

function withdraw(command: { amountMinor: bigint }, state: WalletState, now: string): WalletEvent[] {
  if (command.amountMinor <= 0n) throw new Rejection("amount_must_be_positive");
  if (command.amountMinor > state.balanceMinor) throw new Rejection("balance_must_cover_amount");
  return [{ type: "Withdrawn", data: { amountMinor: command.amountMinor, at: now } }];
}

export const walletDecider: Decider<WalletCommand, WalletEvent, WalletState> = {
  initialState: { balanceMinor: 0n },
  decide(command, state, meta) {
    switch (command.type) {
      case "Deposit":
        return deposit(command, meta.now);
      case "Withdraw":
        return withdraw(command, state, meta.now);
      default:
        return unhandled(command);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case "Deposited":
        return { balanceMinor: state.balanceMinor + event.data.amountMinor };
      case "Withdrawn": {
        const balanceMinor = state.balanceMinor - event.data.amountMinor;
        invariant(balanceMinor >= 0n, "a wallet balance is never negative");
        return { balanceMinor };
      }
      default:
        return unhandled(event);
    }
  },
};
