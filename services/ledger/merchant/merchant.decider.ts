import type { EventData } from "../../../contracts/event-codec.ts";
import { type Decider, invariant, Rejection, unhandled } from "../decider.ts";
import type { MerchantEvent, MerchantProfile } from "./merchant.events.ts";

type PayoutData = EventData<MerchantEvent, "PayoutMade">;

/** Every rule a merchant command can break: Register's, then Payout's in precedence order. */
export type MerchantRule =
  | "merchant_must_not_be_registered_twice"
  | "merchant_must_exist"
  | "payout_amount_must_be_positive"
  | "payout_must_match_its_parts"
  | "payout_must_cover_transactions"
  | "transaction_already_paid";

export type MerchantCommand =
  | { readonly type: "Register"; readonly profile: MerchantProfile }
  /** Amounts and covered transactions come from the journal at one log position; the decider refuses overlap. */
  | { readonly type: "Payout"; readonly payout: Omit<PayoutData, "paidAt"> }
  | { readonly type: "RotateServerKey"; readonly serverKeyHash: string }
  /** Offline checkouts name one of the merchant's dealers; registering one again changes nothing. */
  | { readonly type: "RegisterDealer"; readonly dealerCode: string };

export interface MerchantState {
  readonly profile: MerchantProfile | undefined;
  /** Transactions already paid out, by payout: a transaction is paid at most once. */
  readonly paidTransactions: ReadonlyMap<string, string>;
  readonly payoutIds: ReadonlySet<string>;
  /** The merchant's dealers and when each was registered. */
  readonly dealers: ReadonlyMap<string, string>;
}

/**
 * Rules, in precedence order: merchant_must_exist, payout_amount_must_be_positive,
 * payout_must_match_its_parts (amount = payable − receivable), payout_must_cover_transactions (at least one,
 * each once), transaction_already_paid.
 * A payout id already recorded is a retry: nothing new happens.
 */
function payout(
  command: Extract<MerchantCommand, { type: "Payout" }>,
  state: MerchantState,
  now: string,
): MerchantEvent[] {
  const p = command.payout;
  if (!state.profile) throw new Rejection<MerchantRule>("merchant_must_exist");
  if (state.payoutIds.has(p.payoutId)) return [];
  if (p.amountMinor <= 0n) throw new Rejection<MerchantRule>("payout_amount_must_be_positive");
  if (p.amountMinor !== p.payableMinor - p.receivableMinor || p.receivableMinor < 0n) {
    throw new Rejection<MerchantRule>("payout_must_match_its_parts");
  }
  if (p.transactionIds.length === 0 || new Set(p.transactionIds).size !== p.transactionIds.length) {
    throw new Rejection<MerchantRule>("payout_must_cover_transactions");
  }
  const paid = p.transactionIds.find((id) => state.paidTransactions.has(id));
  if (paid)
    throw new Rejection<MerchantRule>("transaction_already_paid", {
      transactionId: paid,
      payoutId: state.paidTransactions.get(paid),
    });
  return [{ type: "PayoutMade", data: { ...p, paidAt: now } }];
}

/** Registration is identity and terms; the key is managed by rotation, so it is not compared. */
const sameRegistration = (a: MerchantProfile, b: MerchantProfile) =>
  a.merchantId === b.merchantId &&
  a.name === b.name &&
  a.feeRateBps === b.feeRateBps &&
  a.status === b.status;

export const merchantDecider: Decider<MerchantCommand, MerchantEvent, MerchantState> = {
  initialState: {
    profile: undefined,
    paidTransactions: new Map(),
    payoutIds: new Set(),
    dealers: new Map(),
  },
  decide(command, state, meta) {
    switch (command.type) {
      case "Register":
        // Seeding at every start re-sends the same registration: that is a no-op, a different one is refused.
        if (state.profile) {
          if (sameRegistration(state.profile, command.profile)) return [];
          throw new Rejection<MerchantRule>("merchant_must_not_be_registered_twice");
        }
        return [{ type: "MerchantRegistered", data: command.profile }];
      case "Payout":
        return payout(command, state, meta.now);
      case "RotateServerKey":
        if (!state.profile) throw new Rejection<MerchantRule>("merchant_must_exist");
        if (state.profile.serverKeyHash === command.serverKeyHash) return [];
        return [{ type: "ServerKeyRotated", data: { serverKeyHash: command.serverKeyHash } }];
      case "RegisterDealer":
        if (!state.profile) throw new Rejection<MerchantRule>("merchant_must_exist");
        if (state.dealers.has(command.dealerCode)) return [];
        return [
          { type: "DealerRegistered", data: { dealerCode: command.dealerCode, registeredAt: meta.now } },
        ];
      default:
        return unhandled(command);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case "MerchantRegistered":
        invariant(state.profile === undefined, "a merchant is registered once");
        return { ...state, profile: event.data };
      case "ServerKeyRotated":
        invariant(state.profile !== undefined, "only a registered merchant rotates its key");
        return { ...state, profile: { ...state.profile, serverKeyHash: event.data.serverKeyHash } };
      case "PayoutMade": {
        const paidTransactions = new Map(state.paidTransactions);
        for (const id of event.data.transactionIds) {
          invariant(!paidTransactions.has(id), "a transaction is paid out once");
          paidTransactions.set(id, event.data.payoutId);
        }
        return { ...state, paidTransactions, payoutIds: new Set([...state.payoutIds, event.data.payoutId]) };
      }
      case "DealerRegistered":
        invariant(state.profile !== undefined, "only a registered merchant has dealers");
        return {
          ...state,
          dealers: new Map([...state.dealers, [event.data.dealerCode, event.data.registeredAt]]),
        };
      default:
        return unhandled(event);
    }
  },
};

export const merchantStream = (merchantId: string) => `merchant-${merchantId}`;
