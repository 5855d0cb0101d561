import { createHash } from "node:crypto";
import { z } from "zod";
import { anyString, FIELD_MAX_CHARS, httpUrl, requiredString, STATUS_SUCCESS, typeError } from "./common.ts";

// user/tokenize/init (seed 001 "Tokenize Kredivo Account"): tokenizing a buyer apart from any checkout, on a
// hosted page, and the callback ("Push Notif") the merchant's callback_url receives with the outcome.

export const tokenizeInitRequestSchema = z.object(
  {
    client_user_key: requiredString(FIELD_MAX_CHARS.key),
    server_key: requiredString(FIELD_MAX_CHARS.key),
    callback_url: httpUrl(),
    back_to_store_url: httpUrl(),
    signature_key: requiredString(FIELD_MAX_CHARS.key),
  },
  { error: typeError("object") },
);
export type TokenizeInitRequest = z.output<typeof tokenizeInitRequestSchema>;

/**
 * The request's `signature_key`: hex SHA-1 of `server_key=<…>&client_user_key=<…>&callback_url=<…>`, the
 * values as sent (callback_url without surrounding blanks), not URL-encoded (the seed's own values give
 * 3fb0eb199aa5c747c43f36319896af83a03277a7).
 */
export function tokenizeSignatureKey(fields: {
  readonly serverKey: string;
  readonly clientUserKey: string;
  readonly callbackUrl: string;
}): string {
  const text = `server_key=${fields.serverKey}&client_user_key=${fields.clientUserKey}&callback_url=${fields.callbackUrl}`;
  return createHash("sha1").update(text, "utf8").digest("hex");
}

/** The seed's `"message": "success"` is lower case here, unlike every other endpoint's "Success". */
export const tokenizeInitResponseSchema = z.strictObject({
  status: z.literal(STATUS_SUCCESS),
  message: z.literal("success"),
  tokenize_url: z.url({ protocol: /^https?$/ }),
});

export const tokenizeInitRequestExample = {
  client_user_key: "6d0a32af-60c0-492d-bbe0-55e48118a296",
  server_key: "85c1c3086f8d448682ff5ff98149b271",
  callback_url: "https://api-merchant.io/tokenize/callback",
  back_to_store_url: "https://api-merchant.io/user/tokenize",
  signature_key: "3fb0eb199aa5c747c43f36319896af83a03277a7",
};

export const tokenizeInitResponseExample = {
  status: 1,
  message: "success",
  tokenize_url: "https://pay-vn.kredivo.com/kredivo/signIn/tokenize?cid=30ce9850-db4d-4742-9f12-e2a22ad03bb5",
};

/** The callback's `message` for each outcome (the seed's words). */
export const TOKENIZE_CALLBACK_MESSAGES = {
  success: "Tokenization Success",
  wallet_inactive: "Wallet is inactive",
  max_otp_attempt: "Max OTP Attempt",
} as const;

/** What the merchant's callback_url receives: user_token only on success. */
export const tokenizeCallbackSchema = z.discriminatedUnion("status", [
  z.strictObject({
    client_user_key: anyString(),
    user_token: anyString(),
    status: z.literal("success"),
    message: z.literal(TOKENIZE_CALLBACK_MESSAGES.success),
  }),
  z.strictObject({
    client_user_key: anyString(),
    status: z.literal("failed"),
    message: z.enum([TOKENIZE_CALLBACK_MESSAGES.wallet_inactive, TOKENIZE_CALLBACK_MESSAGES.max_otp_attempt]),
  }),
]);
export type TokenizeCallback = z.output<typeof tokenizeCallbackSchema>;

/** The merchant's reply: only 9100 acknowledges; 9200 (it failed to update) and 9999 (others) are retried. */
export const TOKENIZE_CALLBACK_ACK = 9100;
