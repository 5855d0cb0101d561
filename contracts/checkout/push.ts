import { z } from "zod";
import { anyString, checkoutAmountText, epochSeconds, tenureOut } from "./common.ts";

// What we POST to the merchant, and what the merchant answers.
//  1. Transaction push (to the checkout's push_url; seed "Confirm Transaction" step 1): strict, we emit it.
//  2. Tokenization push (to the tokenize callback_url; seed "Push Notif"): strict, we emit it.
//  The merchant replies are parsed permissively (loose): we only look at `status`.

/**
 * Push trx_status words: pending (call checkout/update now), failed, denied, cancel, expired. The seed's push list
 * (pending, failed, denied) describes the checkout flow only and predates cancellations; a cancellation is
 * pushed with the word the status API uses for it, "cancel" (seed transaction/status: "cancel: Transaction
 * has been cancelled by merchant"). Every Cancelled event is pushed, partial ones included: the message
 * says how much was cancelled and how much is left, so a partial push does not mean the status turned.
 * An expiry is pushed with the status API's word for it, "expired" ("Transaction has exceeded the maximum
 * time limit to settle"): an offline order waits at the till for its outcome, and a pending one for which
 * the merchant heard "pending" must learn that confirming it is now refused.
 */
export const PUSH_TRX_STATUSES = ["pending", "failed", "denied", "cancel", "expired"] as const;
export type PushTrxStatus = (typeof PUSH_TRX_STATUSES)[number];

/**
 * Amounts are "1000000.0" strings (renderCheckoutAmount). In both seed examples disbursed_amount =
 * amount − discount_amount (− total_downpayment, offline); not enforced here because the seed's prose about
 * "the final amount (after deducting the shortfall downpayment)" leaves the exact rule to the domain. total_downpayment and metadata appear only on offline pushes;
 * voucher_code only "if any" (omitted otherwise). message is always sent ("pending merchant’s confirmation").
 */
export const transactionPushSchema = z.strictObject({
  amount: checkoutAmountText,
  discount_amount: checkoutAmountText,
  disbursed_amount: checkoutAmountText,
  total_downpayment: checkoutAmountText.optional(),
  tenure: tenureOut,
  trx_status: z.enum(PUSH_TRX_STATUSES),
  order_id: z.string().min(1),
  transaction_time: epochSeconds,
  transaction_id: z.string().min(1),
  signature_key: z.string().min(1),
  message: anyString(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  voucher_code: z.string().min(1).optional(),
});
export type TransactionPush = z.output<typeof transactionPushSchema>;

/**
 * The merchant's answer to a transaction push: `{"status": "OK", "message": "..."}`. Only this status word
 * acknowledges; anything else (or a non-2xx) is retried by the notifier. Extra fields are ignored.
 */
export const transactionPushReplySchema = z.looseObject({
  status: z.literal("OK"),
  message: z.string().optional(),
});

/** Tokenization push: user_token only on success. */
export const tokenizationPushSchema = z.discriminatedUnion("status", [
  z.strictObject({
    client_user_key: z.string().min(1),
    user_token: z.string().min(1),
    status: z.literal("success"),
    message: anyString(),
  }),
  z.strictObject({
    client_user_key: z.string().min(1),
    status: z.literal("failed"),
    message: anyString(),
  }),
]);
export type TokenizationPush = z.output<typeof tokenizationPushSchema>;

/** Merchant's reply codes to a tokenization push (integers, unlike the transaction push's "OK"). */
export const TOKENIZATION_PUSH_REPLY_CODES = {
  success: 9100,
  failedToUpdate: 9200,
  others: 9999,
} as const;

export const tokenizationPushReplySchema = z.looseObject({
  status: z.literal([9100, 9200, 9999]),
  message: z.string().optional(),
});

// --------------------------------------------------------------------------------------- seed examples

export const pushExample = {
  amount: "1000000.0",
  discount_amount: "200000.0",
  disbursed_amount: "800000.0",
  tenure: 1,
  trx_status: "pending",
  order_id: "KD125262",
  transaction_time: 1501846094,
  transaction_id: "fadee4e5-99a2-48d6-952d-007f3fa508e8",
  signature_key: "o5KZPDcxgEA9QutAVcIQwE3suQRkTEIA1VXcoHp7KaWJnpH",
  message: "pending merchant’s confirmation",
  voucher_code: "PROMO123",
} satisfies z.input<typeof transactionPushSchema>;

export const pushOfflineExample = {
  amount: "1200000.0",
  discount_amount: "200000.0",
  disbursed_amount: "800000.0",
  total_downpayment: "200000.0",
  tenure: 1,
  trx_status: "pending",
  order_id: "KD125262",
  transaction_time: 1501846094,
  transaction_id: "fadee4e5-99a2-48d6-952d-007f3fa508e8",
  signature_key: "o5KZPDcxgEA9QutAVcIQwE3suQRkTEIA1VXcoHp7KaWJnpH",
  message: "pending merchant’s confirmation",
  metadata: {},
  voucher_code: "PROMO123",
} satisfies z.input<typeof transactionPushSchema>;

export const pushReplyExample = {
  status: "OK",
  message: "Message from merchant if any",
} satisfies z.input<typeof transactionPushReplySchema>;

export const tokenizationPushSuccessExample = {
  client_user_key: "6d0a32af-60c0-492d-bbe0-55e48118a296",
  user_token: "eaeb2c20-8321-4e4f-9344-21c06dbe27ef",
  status: "success",
  message: "Tokenization Success",
} satisfies z.input<typeof tokenizationPushSchema>;

export const tokenizationPushFailedExample = {
  client_user_key: "6d0a32af-60c0-492d-bbe0-55e48118a296",
  status: "failed",
  message: "Wallet is inactive",
} satisfies z.input<typeof tokenizationPushSchema>;
