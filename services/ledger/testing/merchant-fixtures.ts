import type { MerchantCommand } from "../merchant/merchant.decider.ts";
import type { MerchantEvent, MerchantProfile } from "../merchant/merchant.events.ts";
import { testMeta } from "./decider-spec.ts";

// The merchant stream's events and commands as the tests write them: merchant-1 ("Sunrise", 1.5 % fee) and
// its payouts, made at testMeta.now unless a test says otherwise.

export const merchantProfile: MerchantProfile = {
  merchantId: "merchant-1",
  name: "Sunrise",
  serverKeyRef: "sk_ref-key-1",
  feeRateBps: 150,
  status: "active",
  pushSigning: { standardWebhooks: "server_key_hash" },
};

type PayoutFields = Extract<MerchantCommand, { type: "Payout" }>["payout"];
type Event<Type extends MerchantEvent["type"]> = Extract<MerchantEvent, { type: Type }>;

/** 1,985,000 payable for two settled transactions, nothing owed back. */
export const payoutOf = (fields: Partial<PayoutFields> = {}): PayoutFields => ({
  payoutId: "payout-1",
  currency: "VND",
  payableMinor: 1_985_000n,
  receivableMinor: 0n,
  amountMinor: 1_985_000n,
  bankAccount: "VCB-0011223344",
  bankReference: "UTR-0001",
  transactionIds: ["tx-1", "tx-2"],
  ...fields,
});

// ------------------------------------------------------------------------------------------------ commands

export const register = (profile: MerchantProfile = merchantProfile): MerchantCommand => ({
  type: "Register",
  profile,
});
export const rotateServerKey = (serverKeyRef: string): MerchantCommand => ({
  type: "RotateServerKey",
  serverKeyRef,
});
export const payout = (fields: Partial<PayoutFields> = {}): MerchantCommand => ({
  type: "Payout",
  payout: payoutOf(fields),
});

// -------------------------------------------------------------------------------------------------- events

export const merchantRegistered = (
  profile: MerchantProfile = merchantProfile,
): Event<"MerchantRegistered"> => ({
  type: "MerchantRegistered",
  data: profile,
});
export const serverKeyRotated = (serverKeyRef: string): Event<"ServerKeyRotated"> => ({
  type: "ServerKeyRotated",
  data: { serverKeyRef },
});
export const payoutMade = (
  fields: Partial<PayoutFields> = {},
  paidAt = testMeta.now,
): Event<"PayoutMade"> => ({
  type: "PayoutMade",
  data: { ...payoutOf(fields), paidAt },
});
