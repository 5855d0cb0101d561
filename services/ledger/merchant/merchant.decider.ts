import type { EventData } from "../../../contracts/event-codec.ts";
import { type Decider, invariant, Rejection, unhandled } from "../decider.ts";
import { includes, type PersistentList, prepend } from "../persistent-list.ts";
import { emptyPersistentMap, type PersistentMap } from "../persistent-map.ts";
import type { MerchantEvent, MerchantProfile, PushSigning } from "./merchant.events.ts";

type PayoutData = EventData<MerchantEvent, "PayoutMade">;

/** Every rule a merchant command can break: Register's, then Payout's in precedence order. */
export type MerchantRule =
  | "merchant_must_not_be_registered_twice"
  | "merchant_must_exist"
  | "overlap_must_not_be_negative"
  | "payout_amount_must_be_positive"
  | "payout_must_match_its_parts"
  | "payout_must_cover_transactions"
  | "transaction_already_paid";

export type MerchantCommand =
  | { readonly type: "Register"; readonly profile: MerchantProfile }
  /** Amounts and covered transactions come from the journal at one log position; the decider refuses overlap. */
  | { readonly type: "Payout"; readonly payout: Omit<PayoutData, "paidAt"> }
  /** `overlapSeconds`: how long the replaced key keeps working beside the new one (0 or absent: not at all). */
  | {
      readonly type: "RotateServerKey";
      readonly serverKeyRef: string;
      readonly overlapSeconds?: number;
      readonly reason?: string;
    }
  /** Suspending a suspended merchant, or reactivating an active one, changes nothing. */
  | { readonly type: "Suspend"; readonly reason: string }
  | { readonly type: "Reactivate"; readonly reason: string }
  /** The same setting again changes nothing; a dedicated secret comes with a new reference each time. */
  | { readonly type: "SetPushSigning"; readonly pushSigning: PushSigning; readonly reason: string }
  /** Offline checkouts name one of the merchant's dealers; registering one again changes nothing. */
  | { readonly type: "RegisterDealer"; readonly dealerCode: string };

export interface MerchantState {
  readonly profile: MerchantProfile | undefined;
  /**
   * Transactions already paid out, by payout: a transaction is paid at most once. Persistent, like the
   * payout ids: a payout adds its transactions without copying every earlier one (a merchant's fold stays
   * linear in its history).
   */
  readonly paidTransactions: PersistentMap<string, string>;
  readonly payoutIds: PersistentList<string>;
  /** The merchant's dealers and when each was registered. */
  readonly dealers: ReadonlyMap<string, string>;
  /**
   * Whether the merchant is suspended now. The profile keeps the status it was registered with, so
   * re-seeding the same registration stays a no-op after a suspension.
   */
  readonly suspended: boolean;
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
  if (includes(state.payoutIds, p.payoutId)) return [];
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

/**
 * Rules: merchant_must_exist, overlap_must_not_be_negative. The same key again (one key has one reference) is
 * a no-op. The overlap's end is fixed here, from the command's time, so the log says when the old key stops.
 */
function rotateServerKey(
  command: Extract<MerchantCommand, { type: "RotateServerKey" }>,
  state: MerchantState,
  now: string,
): MerchantEvent[] {
  if (!state.profile) throw new Rejection<MerchantRule>("merchant_must_exist");
  const overlapSeconds = command.overlapSeconds ?? 0;
  if (overlapSeconds < 0) throw new Rejection<MerchantRule>("overlap_must_not_be_negative");
  if (state.profile.serverKeyRef === command.serverKeyRef) return [];
  const previousKeyValidUntil =
    overlapSeconds > 0 ? new Date(Date.parse(now) + overlapSeconds * 1000).toISOString() : undefined;
  return [
    {
      type: "ServerKeyRotated",
      data: {
        serverKeyRef: command.serverKeyRef,
        ...(previousKeyValidUntil === undefined ? {} : { previousKeyValidUntil }),
        ...(command.reason === undefined ? {} : { reason: command.reason }),
      },
    },
  ];
}

/** Registration is identity and terms; the key and the push signing have their own commands, so are not compared. */
const sameRegistration = (a: MerchantProfile, b: MerchantProfile) =>
  a.merchantId === b.merchantId &&
  a.name === b.name &&
  a.feeRateBps === b.feeRateBps &&
  a.status === b.status;

const samePushSigning = (a: PushSigning, b: PushSigning) =>
  a.standardWebhooks === b.standardWebhooks &&
  (a.standardWebhooks !== "dedicated_secret" ||
    (b.standardWebhooks === "dedicated_secret" && a.secretRef === b.secretRef));

export const merchantDecider: Decider<MerchantCommand, MerchantEvent, MerchantState> = {
  initialState: {
    profile: undefined,
    paidTransactions: emptyPersistentMap(),
    payoutIds: undefined,
    dealers: new Map(),
    suspended: false,
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
        return rotateServerKey(command, state, meta.now);
      case "Suspend":
        if (!state.profile) throw new Rejection<MerchantRule>("merchant_must_exist");
        if (state.suspended) return [];
        return [{ type: "MerchantSuspended", data: { reason: command.reason } }];
      case "Reactivate":
        if (!state.profile) throw new Rejection<MerchantRule>("merchant_must_exist");
        if (!state.suspended) return [];
        return [{ type: "MerchantReactivated", data: { reason: command.reason } }];
      case "SetPushSigning":
        if (!state.profile) throw new Rejection<MerchantRule>("merchant_must_exist");
        if (samePushSigning(state.profile.pushSigning, command.pushSigning)) return [];
        return [
          { type: "PushSigningChanged", data: { pushSigning: command.pushSigning, reason: command.reason } },
        ];
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
        return { ...state, profile: event.data, suspended: event.data.status === "suspended" };
      case "ServerKeyRotated":
        invariant(state.profile !== undefined, "only a registered merchant rotates its key");
        return { ...state, profile: { ...state.profile, serverKeyRef: event.data.serverKeyRef } };
      case "PushSigningChanged":
        invariant(state.profile !== undefined, "only a registered merchant changes its push signing");
        return { ...state, profile: { ...state.profile, pushSigning: event.data.pushSigning } };
      case "MerchantSuspended":
      case "MerchantReactivated":
        invariant(state.profile !== undefined, "only a registered merchant is suspended or reactivated");
        return { ...state, suspended: event.type === "MerchantSuspended" };
      case "PayoutMade": {
        let paidTransactions = state.paidTransactions;
        for (const id of event.data.transactionIds) {
          invariant(!paidTransactions.has(id), "a transaction is paid out once");
          paidTransactions = paidTransactions.with(id, event.data.payoutId);
        }
        return { ...state, paidTransactions, payoutIds: prepend(state.payoutIds, event.data.payoutId) };
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
