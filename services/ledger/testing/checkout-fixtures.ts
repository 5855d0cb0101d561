import type { CheckoutCommand } from "../checkout/checkout.decider.ts";
import type { CheckoutEvent, CheckoutItem, InitiatedData } from "../checkout/checkout.events.ts";
import type { Tenure } from "../creditline/creditline.events.ts";
import type { InterestRates } from "../loan/loan-terms.ts";
import { at, testMeta } from "./decider-spec.ts";

// The checkout stream's events and commands as the tests write them: merchant-1's checkout, bought by user-1
// in session session-1, at testMeta.now unless a test says otherwise. Each builder takes only what a test may
// want to vary.

type Event<Type extends CheckoutEvent["type"]> = Extract<CheckoutEvent, { type: Type }>;
type Data<Type extends CheckoutEvent["type"]> = Event<Type>["data"];

const now = testMeta.now;

// Seed 001's sample order KD14721: 6,000,000 + 2 × 250,000 + 1,000 tax + 9,000 shipping − 5,000 discount.
// The seed sends the discount as a positive price; we store deductions negative, so the items sum to the amount.
export const SEED_ITEMS: readonly CheckoutItem[] = [
  {
    id: "BB12345678",
    name: "iPhone 5S",
    priceMinor: 6_000_000n,
    quantity: 1,
    type: "Smartphone",
    url: "http://merchant.com/cellphones/iphone5s_64g",
  },
  {
    id: "AZ14565678",
    name: "Hailee Sneakers Blink Silver",
    priceMinor: 250_000n,
    quantity: 2,
    type: "Sneakers",
    url: "http://merchant.com/fashion/shoes/sneakers-blink-shoes",
  },
  { id: "taxfee", name: "Tax Fee", priceMinor: 1_000n, quantity: 1 },
  {
    id: "shippingfee",
    name: "Shipping Fee",
    priceMinor: 9_000n,
    quantity: 1,
    parentType: "SELLER",
    parentId: "SELLER456",
  },
  { id: "discount", name: "Discount", priceMinor: -5_000n, quantity: 1 },
];

/** The seed's sample order at a 1-month tenure, initiated now and expiring a day later. */
export const SEED_ORDER: InitiatedData = {
  transactionId: "9ce1596f-bd4e-4fa2-b49f-3537de3f4128",
  merchantId: "merchant-1",
  orderId: "KD14721",
  currency: "VND",
  amountMinor: 6_505_000n,
  tenure: 1,
  items: [...SEED_ITEMS],
  details: { source: "ecom" },
  pushUrl: "https://merchant.example/push",
  backToStoreUrl: "https://merchant.example/back",
  requestFingerprint: "fingerprint-1",
  initiatedAt: now,
  expiresAt: at(1),
  source: "ecom",
};

/** The seed's offline order KD14723 at dealer SF241290: 1,500,000 − 200,000 downpayment + 100,000. */
export const OFFLINE_ORDER: InitiatedData = {
  ...SEED_ORDER,
  orderId: "KD14723",
  amountMinor: 1_400_000n,
  items: [
    { id: "items", name: "Xiaomi pocophone", priceMinor: 1_500_000n, quantity: 1 },
    { id: "downpayment_SKU", name: "Down Payment", priceMinor: -200_000n, quantity: 1 },
    { id: "item_001", name: "Xiaomi pocophone", priceMinor: 100_000n, quantity: 1 },
  ],
  source: "offline",
  dealerCode: "SF241290",
  metadata: { till: 4 },
};

/** An order of one item priced `itemsTotalMinor` (by default the amount), for `amountMinor` at `tenure`. */
export const orderOf = (
  amountMinor: bigint,
  tenure: Tenure,
  itemsTotalMinor = amountMinor,
): InitiatedData => ({
  ...SEED_ORDER,
  amountMinor,
  tenure,
  items: [{ id: "SKU-1", name: "Thing", priceMinor: itemsTotalMinor, quantity: 1 }],
});

/** An approval now with the default 30-second confirmation window must be confirmed by this. */
export const CONFIRM_BY = "2026-11-27T10:00:30.000Z";
/** The merchant's discount rate: 1.5 %. */
export const MERCHANT_FEE_BPS = 150;
// Spelled out rather than taken from DEFAULT_INTEREST_RATES, so expected amounts do not move with config.
export const INTEREST_RATES: InterestRates = { 1: 0, 3: 295, 6: 295, 12: 295 };

// ------------------------------------------------------------------------------------------------ commands

export const initiate = (data: InitiatedData = SEED_ORDER): CheckoutCommand => ({ type: "Initiate", data });
/** A sign-in; `userId` undefined is a wrong phone or PIN. */
export const signIn = (userId: string | undefined, sessionHash = "session-1"): CheckoutCommand => ({
  type: "SignIn",
  userId,
  sessionHash,
});
export const verifyOtp = (otpValid: boolean, sessionHash = "session-1"): CheckoutCommand => ({
  type: "VerifyOtp",
  sessionHash,
  otpValid,
});
/** The buyer's approval, with the credit line's answer to the hold (placed unless said otherwise). */
export const approve = (
  hold: { placed: true } | { placed: false; reason: string } = { placed: true },
  { tenure = 1 as Tenure, sessionHash = "session-1", confirmTimeoutSeconds = 30 } = {},
): CheckoutCommand => ({ type: "Approve", sessionHash, tenure, hold, confirmTimeoutSeconds });
/** The merchant's confirmation at MERCHANT_FEE_BPS and INTEREST_RATES. */
export const settle: CheckoutCommand = {
  type: "Settle",
  merchantFeeBps: MERCHANT_FEE_BPS,
  interestRates: INTEREST_RATES,
};
export const abort: CheckoutCommand = { type: "Abort", by: "user" };
export const merchantAbort: CheckoutCommand = { type: "Abort", by: "merchant" };
export const expire: CheckoutCommand = { type: "Expire" };
export const failByMerchant: CheckoutCommand = { type: "Fail", reason: "merchant_reported_failure" };
export const failByTimeout: CheckoutCommand = { type: "Fail", reason: "confirmation_timeout" };
/** A cancellation by the merchant; no amount cancels everything not yet cancelled. */
export const cancel = (amountMinor: bigint | undefined, cancellationId = "cancel-1"): CheckoutCommand => ({
  type: "Cancel",
  cancellationId,
  amountMinor,
  reason: "Out of stock",
  cancelledBy: "merchant_name",
});
export const markPaid = (payoutId = "payout-1", bankReference = "UTR-1"): CheckoutCommand => ({
  type: "MarkPaid",
  payoutId,
  bankReference,
});

// -------------------------------------------------------------------------------------------------- events

export const initiated = (data: InitiatedData = SEED_ORDER): Event<"Initiated"> => ({
  type: "Initiated",
  data,
});
export const signedIn = (): Event<"BuyerSignedIn"> => ({
  type: "BuyerSignedIn",
  data: { userId: "user-1", sessionHash: "session-1" },
});
export const signInFailed = (failedAttempts: number): Event<"BuyerSignInFailed"> => ({
  type: "BuyerSignInFailed",
  data: { failedAttempts },
});
export const otpVerified = (): Event<"OtpVerified"> => ({ type: "OtpVerified", data: { userId: "user-1" } });
export const otpFailed = (failedAttempts: number): Event<"OtpFailed"> => ({
  type: "OtpFailed",
  data: { failedAttempts },
});
/** Approved now at the seed order's amount and tenure, to be confirmed by CONFIRM_BY. */
export const pending = (fields: Partial<Data<"Pending">> = {}): Event<"Pending"> => ({
  type: "Pending",
  data: {
    userId: "user-1",
    tenure: 1,
    amountMinor: SEED_ORDER.amountMinor,
    approvedAt: now,
    confirmBy: CONFIRM_BY,
    ...fields,
  },
});
/** A denial; no user when the buyer never signed in. */
export const denied = (reason: string, userId?: string): Event<"Denied"> => ({
  type: "Denied",
  data: { reason, userId },
});
export const aborted = (by: "user" | "merchant" = "user"): Event<"Aborted"> => ({
  type: "Aborted",
  data: { by },
});
export const expired = (expiredAt = SEED_ORDER.expiresAt): Event<"Expired"> => ({
  type: "Expired",
  data: { expiredAt },
});
export const failed = (reason: Data<"Failed">["reason"] = "merchant_reported_failure"): Event<"Failed"> => ({
  type: "Failed",
  data: { reason },
});
/**
 * Settled now. By default the seed order over 1 month: fee 1.5 % = 97,575, interest-free, processing fee
 * 1 % = 65,050; another amount comes with its own shares.
 */
export const settled = (fields: Partial<Data<"Settled">> = {}): Event<"Settled"> => ({
  type: "Settled",
  data: {
    settledAt: now,
    merchantId: "merchant-1",
    userId: "user-1",
    tenure: 1,
    amountMinor: SEED_ORDER.amountMinor,
    merchantFeeMinor: 97_575n,
    interestMinor: 0n,
    processingFeeMinor: 65_050n,
    ...fields,
  },
});

/** What one cancellation takes back, and what it leaves. */
export type CancelledMoney = Pick<
  Data<"Cancelled">,
  "amountMinor" | "remainingMinor" | "merchantFeeMinor" | "interestMinor" | "processingFeeMinor"
>;

/** The merchant's cancellation cancel-1 a day after now, before the payout. */
export const cancelled = (
  money: CancelledMoney,
  fields: Partial<Omit<Data<"Cancelled">, keyof CancelledMoney>> = {},
): Event<"Cancelled"> => ({
  type: "Cancelled",
  data: {
    cancellationId: "cancel-1",
    cancelledAt: at(1),
    merchantId: "merchant-1",
    userId: "user-1",
    reason: "Out of stock",
    cancelledBy: "merchant_name",
    afterPayout: false,
    ...fields,
    ...money,
  },
});
/** The merchant's payout payout-1 of this transaction, three days after now. */
export const paid = (fields: Partial<Data<"Paid">> = {}): Event<"Paid"> => ({
  type: "Paid",
  data: { payoutId: "payout-1", paidAt: at(3), bankReference: "UTR-1", ...fields },
});

// ----------------------------------------------------------------------------------------------- histories

/** A checkout of one item for `amountMinor` initiated at `initiatedTenure`, approved at `tenure`, pending. */
export const pendingFor = (amountMinor: bigint, tenure: Tenure, initiatedTenure: Tenure = tenure) => [
  initiated(orderOf(amountMinor, initiatedTenure)),
  signedIn(),
  otpVerified(),
  pending({ tenure, amountMinor }),
];

const initiatedSeed = [initiated()];
const signedInSeed = [...initiatedSeed, signedIn()];
const otpVerifiedSeed = [...signedInSeed, otpVerified()];
const pendingSeed = [...otpVerifiedSeed, pending()];

/** The seed order's checkout in each state it can be in before a cancellation or a payout, for `given`. */
export const history = {
  initiated: initiatedSeed,
  signedIn: signedInSeed,
  otpVerified: otpVerifiedSeed,
  pending: pendingSeed,
  settled: [...pendingSeed, settled()],
  failed: [...pendingSeed, failed()],
  denied: [...otpVerifiedSeed, denied("risk", "user-1")],
  aborted: [...initiatedSeed, aborted()],
  expired: [...initiatedSeed, expired()],
};
