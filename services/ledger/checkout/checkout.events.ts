import { z } from "zod";
import { TENURES } from "../../../contracts/checkout/common.ts";
import { type DomainEvents, type EventData, eventCodec, minorUnits } from "../../../contracts/event-codec.ts";

const tenure = z.literal(TENURES);

export const checkoutItem = z.object({
  id: z.string(),
  name: z.string(),
  /** Signed: a deduction (discount, downpayment, mixpayment) is stored negative, so items sum to the amount. */
  priceMinor: minorUnits,
  quantity: z.number().int(),
  type: z.string().optional(),
  url: z.string().optional(),
  imageUrl: z.string().optional(),
  parentType: z.string().optional(),
  parentId: z.string().optional(),
});
export type CheckoutItem = z.output<typeof checkoutItem>;

/** Where a checkout was started: online (the hosted page's link) or in a store (a QR at a dealer). */
export const CHECKOUT_SOURCES = ["ecom", "offline"] as const;
export type CheckoutSource = (typeof CHECKOUT_SOURCES)[number];

const initiatedV2 = z.object({
  transactionId: z.string(),
  merchantId: z.string(),
  orderId: z.string(),
  currency: z.literal("VND"),
  amountMinor: minorUnits,
  tenure,
  items: z.array(checkoutItem),
  /** The merchant's own descriptions (sellers, buyers, addresses, device metadata), kept as sent. */
  details: z.record(z.string(), z.unknown()),
  pushUrl: z.string(),
  backToStoreUrl: z.string(),
  cancelUrl: z.string().optional(),
  /** Hash of the init request, so the same order_id re-sent is recognised as a retry. */
  requestFingerprint: z.string(),
  initiatedAt: z.string(),
  /** The buyer must approve, and the merchant confirm, before this: the offline expiry_time, else CHECKOUT_EXPIRY_SECONDS. */
  expiresAt: z.string(),
  source: z.enum(CHECKOUT_SOURCES),
  /** The sub-merchant (dealer) of an offline checkout; abort must name it. */
  dealerCode: z.string().optional(),
  /** An offline checkout's `metadata`, kept as sent and echoed in its pushes. */
  metadata: z.record(z.string(), z.unknown()).optional(),
});

/** v1 knew only online checkouts (no source, dealer or metadata); its expiresAt was already the expiry. */
const initiatedV1 = (stored: unknown): unknown => ({ ...z.looseObject({}).parse(stored), source: "ecom" });

/** The lifecycle spine of one Checkout API transaction, `checkout-<transactionId>` (DESIGN.md "Events"). */
export const checkoutEvents = {
  /** v2: source, dealerCode and metadata (offline checkouts). */
  Initiated: { schemaVersion: 2, data: initiatedV2, upcast: { 1: initiatedV1 } },
  BuyerSignInFailed: { schemaVersion: 1, data: z.object({ failedAttempts: z.number().int() }) },
  BuyerSignedIn: { schemaVersion: 1, data: z.object({ userId: z.string(), sessionHash: z.string() }) },
  OtpFailed: { schemaVersion: 1, data: z.object({ failedAttempts: z.number().int() }) },
  OtpVerified: { schemaVersion: 1, data: z.object({ userId: z.string() }) },
  Pending: {
    schemaVersion: 1,
    data: z.object({
      userId: z.string(),
      tenure,
      amountMinor: minorUnits,
      approvedAt: z.string(),
      confirmBy: z.string(),
    }),
  },
  Denied: { schemaVersion: 1, data: z.object({ reason: z.string(), userId: z.string().optional() }) },
  /** v2: the merchant may abort an offline checkout (checkout/<id>/abort); v1 was the buyer only. */
  Aborted: {
    schemaVersion: 2,
    data: z.object({ by: z.enum(["user", "merchant"]) }),
    upcast: { 1: (stored: unknown) => stored },
  },
  /** Carries every amount its journal entry needs, so postings are a pure function of this one event. */
  Settled: {
    schemaVersion: 1,
    data: z.object({
      settledAt: z.string(),
      merchantId: z.string(),
      userId: z.string(),
      tenure,
      amountMinor: minorUnits,
      /** The merchant discount rate applied to the amount. */
      merchantFeeMinor: minorUnits,
      interestMinor: minorUnits,
      processingFeeMinor: minorUnits,
    }),
  },
  /** Full or partial; several partial cancellations may add up to the amount and no more. */
  Cancelled: {
    schemaVersion: 1,
    data: z.object({
      cancellationId: z.string(),
      cancelledAt: z.string(),
      merchantId: z.string(),
      userId: z.string(),
      amountMinor: minorUnits,
      /** What is left uncancelled after this one; 0 means fully cancelled. */
      remainingMinor: minorUnits,
      reason: z.string(),
      cancelledBy: z.string(),
      /** After the merchant was paid the reversal is owed by the merchant (receivable), before it is netted. */
      afterPayout: z.boolean(),
      /** The shares of the settlement's fee, interest and processing fee this cancellation takes back. */
      merchantFeeMinor: minorUnits,
      interestMinor: minorUnits,
      processingFeeMinor: minorUnits,
    }),
  },
  /** The merchant was paid out for this transaction (the payout itself is on the merchant's stream). */
  Paid: {
    schemaVersion: 1,
    data: z.object({ payoutId: z.string(), paidAt: z.string(), bankReference: z.string() }),
  },
  Failed: {
    schemaVersion: 1,
    data: z.object({ reason: z.enum(["merchant_reported_failure", "confirmation_timeout"]) }),
  },
  Expired: { schemaVersion: 1, data: z.object({ expiredAt: z.string() }) },
  // 0-click (seed "Initiate 0-click Checkout"); the token's own history is on usertoken-<userToken>.
  /** checkout/init asked to tokenize the buyer (tokenize_user) for this client_user_key, once settled. */
  TokenizationRequested: { schemaVersion: 1, data: z.object({ clientUserKey: z.string() }) },
  /** The token issued when this tokenizing checkout settled. */
  UserTokenIssued: { schemaVersion: 1, data: z.object({ userToken: z.string() }) },
  /**
   * checkout/init with a user_token: the buyer is authenticated without a page. Flagged by a risk rule, the
   * buyer still has to pass an OTP challenge; otherwise the checkout is approved in the same append.
   */
  AuthenticatedByToken: {
    schemaVersion: 1,
    data: z.object({ userId: z.string(), userToken: z.string(), flaggedBy: z.array(z.string()) }),
  },
  /** A browser opened the OTP challenge of a flagged 0-click checkout: its session. */
  ChallengeOpened: { schemaVersion: 1, data: z.object({ sessionHash: z.string() }) },
};

export type CheckoutEvent = DomainEvents<typeof checkoutEvents>;
export type InitiatedData = EventData<CheckoutEvent, "Initiated">;
export const checkoutCodec = eventCodec(checkoutEvents);
