import { z } from "zod";
import { describeFirstIssue } from "./issues.ts";

// The Checkout API's status codes (seed 001, "API Error Code" plus the codes shown elsewhere in the seed).
//
// Envelope. The seed shows exactly one error shape, on every endpoint that has a negative example
// (checkout/init 2-click, 0-click and offline, transaction/cancel, get_credit_details, user/tokenize/init):
//
//     {"status": 2012, "message": "Invalid Merchant"}
//
// `status` is the integer code (the positive responses use `"status": 1`; checkout/update answers a status
// *word* such as "settlement" on success and this same integer envelope on error). The seed never shows a
// `{"status":"ERROR","error":{...}}` envelope; that is another Kredivo market's API. The init response table
// does list an `error` row ("Message : Description of error status"), so when we have a field-level detail
// we add it as an optional `"error": {"message": "<detail>"}`; `status` and `message` stay the seed's.
//
// HTTP status. The seed never states one: every negative response is documented like a normal reply with
// the outcome in the body. Merchant clients built on it check `status`, and common HTTP clients (Guzzle,
// axios, raise_for_status) throw on 4xx, which would break an integration that worked against the original.
// So every coded outcome is HTTP 200, except 9999, whose seed text is the RFC 9110 definition of 500 (503
// when nothing was written and a retry may succeed: a store out of reach, a stream that stayed contended).

export type CheckoutCodeKind = "success" | "error" | "merchant_reply";

export interface CheckoutErrorEntry {
  readonly code: number;
  /** The exact `message` text we send (for 9100/9200: what the merchant's reply means). */
  readonly message: string;
  readonly httpStatus: number;
  /** The seed's description column. */
  readonly meaning: string;
  readonly kind: CheckoutCodeKind;
  /** Seed sections that list or show the code. */
  readonly seedSections: readonly string[];
}

const SEED_9999_MESSAGE = "Sorry, something went wrong. Please try again in a few minutes";

export const CHECKOUT_ERROR_CATALOGUE = [
  {
    code: 1,
    message: "Success",
    httpStatus: 200,
    meaning: "Success request",
    kind: "success",
    seedSections: ["API Init/Checkout response error code", "API User Tokenization response error code"],
  },
  {
    code: 1002,
    // Offline init negative example's text. The tables spell it "Bad request, please check you request."
    // (init) and "Bad request, please check you request" (confirm); we send the one the wire example shows.
    message: "Bad request, please check your request.",
    httpStatus: 200,
    meaning:
      "Bad request, due to duplicate order_id, wrong fields name, invalid dealer_code, expiry_time less than today, " +
      "invalid amount for installment loans (amount must be greater than 700,000 VND for tenor 3,6, and 12 months). " +
      "On checkout/update: missing mandatory keys, invalid transaction token, invalid signature key.",
    kind: "error",
    seedSections: ["API Init/Checkout response error code", "API Confirm Transaction response error code"],
  },
  {
    code: 2001,
    message: "Invalid Transaction",
    httpStatus: 200,
    meaning: "The given dealer code, transaction_id, dealer_code, or server_key is invalid",
    kind: "error",
    seedSections: ["API Abort Transaction (Offline Transaction Only) response error code"],
  },
  {
    code: 2007,
    // Not an error: sent as `"code": 2007` next to `"status": 1` in a 0-click checkout/init response.
    message: "This transaction is ready for tokenization",
    httpStatus: 200,
    meaning: "Transaction valid for tokenization (0-click checkout/init positive response)",
    kind: "success",
    seedSections: ["Initiate 0-click Checkout"],
  },
  {
    code: 2009,
    message: "Sorry, There's a conflict in tokenization request",
    httpStatus: 200,
    meaning: "User already have valid tokenization",
    kind: "error",
    seedSections: ["API User Tokenization response error code", "Tokenize Kredivo Account"],
  },
  {
    code: 2011,
    // The cancel example's text (the table omits the final period).
    message: "Field amount is negative.",
    httpStatus: 200,
    meaning: "Amount is negative",
    kind: "error",
    seedSections: ["API Cancel Transaction response error code", "Cancel Transaction"],
  },
  {
    code: 2012,
    // Every example says "Invalid Merchant"; only the init table writes "Invalid Merchant.".
    message: "Invalid Merchant",
    httpStatus: 200,
    meaning: "Invalid Server key",
    kind: "error",
    seedSections: [
      "API Init/Checkout response error code",
      "API Cancel Transaction response error code",
      "API Abort Transaction (Offline Transaction Only) response error code",
      "API User Tokenization response error code",
      "Get User Credit Details",
    ],
  },
  {
    code: 2013,
    // A template: checkoutError fills each {} in order (transaction id, cancel amount, checked-out amount).
    message: "Transaction id {} amount cancel {} different with co amount {}",
    httpStatus: 200,
    meaning: "Cancel amount different with checked out amount from the transaction",
    kind: "error",
    seedSections: ["API Cancel Transaction response error code"],
  },
  {
    code: 2015,
    message: "Transaction is not settled. Cannot cancel",
    httpStatus: 200,
    meaning: "Transaction status is not in settle status",
    kind: "error",
    seedSections: ["API Cancel Transaction response error code"],
  },
  {
    code: 2016,
    message: "Loan is already cancelled. Cannot cancel",
    httpStatus: 200,
    meaning: "Transaction has already been canceled",
    kind: "error",
    seedSections: ["API Cancel Transaction response error code"],
  },
  {
    code: 2017,
    message: "You can't cancel the transactions that was created more than 20 days",
    httpStatus: 200,
    meaning: "Cannot cancel transaction that has been settled more than 20 days",
    kind: "error",
    seedSections: ["API Cancel Transaction response error code"],
  },
  {
    code: 2018,
    message: "Invalid transaction token",
    httpStatus: 200,
    meaning: "Invalid transaction token",
    kind: "error",
    seedSections: ["API Cancel Transaction response error code"],
  },
  {
    code: 2030,
    message: "Invalid Signature Key",
    httpStatus: 200,
    meaning: "Value of signature key is mismatched",
    kind: "error",
    seedSections: ["API User Tokenization response error code", "Tokenize Kredivo Account"],
  },
  {
    code: 2043,
    message: "Transaction Expired",
    httpStatus: 200,
    meaning: "Transaction already expired in Kredivo system",
    kind: "error",
    seedSections: ["API Abort Transaction (Offline Transaction Only) response error code"],
  },
  {
    code: 2046,
    message: "Abort not Eligible",
    httpStatus: 200,
    meaning:
      "Transaction is not eligible for abort, happens because the transaction already settled / denied / cancelled.",
    kind: "error",
    seedSections: ["API Abort Transaction (Offline Transaction Only) response error code"],
  },
  {
    code: 9429,
    // Ours: the seed has no code for it. HTTP 429 (not 200) so clients and proxies that honour Retry-After do.
    message: "Too many failed attempts, retry after Retry-After seconds",
    httpStatus: 429,
    meaning:
      "Too many requests with a server_key that is not an active merchant's came from this address within the window " +
      "(AUTH_FAILURE_LIMIT per AUTH_FAILURE_WINDOW_MS). Wait Retry-After seconds, then send the server_key Kredivo gave you.",
    kind: "error",
    seedSections: [],
  },
  {
    code: 9100,
    // Sent *to us* by the merchant in reply to a tokenization push notification.
    message: "Success",
    httpStatus: 200,
    meaning: "Merchant's reply to a tokenization push: success",
    kind: "merchant_reply",
    seedSections: ["Push Notif"],
  },
  {
    code: 9200,
    message: "Failed to updated tokenize status in merchant side",
    httpStatus: 200,
    meaning: "Merchant's reply to a tokenization push: it failed to update the tokenize status on its side",
    kind: "merchant_reply",
    seedSections: ["Push Notif"],
  },
  {
    code: 9999,
    // Also the merchant's "Others" reply code to a tokenization push (seed "Push Notif").
    message: SEED_9999_MESSAGE,
    httpStatus: 500,
    meaning:
      "The server encountered an unexpected condition that prevented it from fulfilling the request. " +
      "Please contact Kredivo Team to verify the errors. (As a merchant's tokenization push reply: Others.)",
    kind: "error",
    seedSections: [
      "API Init/Checkout response error code",
      "API Cancel Transaction response error code",
      "API Abort Transaction (Offline Transaction Only) response error code",
      "API User Tokenization response error code",
      "Push Notif",
    ],
  },
] as const satisfies readonly CheckoutErrorEntry[];

export type CheckoutCode = (typeof CHECKOUT_ERROR_CATALOGUE)[number]["code"];
/** Codes we answer a failed request with. */
export type CheckoutFailureCode = Extract<
  (typeof CHECKOUT_ERROR_CATALOGUE)[number],
  { kind: "error" }
>["code"];

export const CHECKOUT_FAILURE_CODES: readonly CheckoutFailureCode[] = CHECKOUT_ERROR_CATALOGUE.filter(
  (e): e is Extract<(typeof CHECKOUT_ERROR_CATALOGUE)[number], { kind: "error" }> => e.kind === "error",
).map((e) => e.code);

const BY_CODE: ReadonlyMap<number, CheckoutErrorEntry> = new Map(
  CHECKOUT_ERROR_CATALOGUE.map((e) => [e.code, e]),
);

export function checkoutErrorEntry(code: number): CheckoutErrorEntry | undefined {
  return BY_CODE.get(code);
}

/**
 * Which codes each endpoint answers with. `seed`: listed in the seed's tables or examples for that endpoint.
 * `ours`: not listed, but the endpoint needs them and the code's seed meaning fits (bad input → 1002, bad
 * server_key → 2012, unknown transaction → 2018, crash → 9999, too many bad server_keys → 9429).
 */
export const CHECKOUT_ENDPOINT_CODES = {
  "checkout/init": { seed: [1002, 2012, 9999], ours: [9429] },
  "checkout/update": { seed: [1002], ours: [9999, 9429] },
  "checkout/abort": { seed: [2001, 2012, 2043, 2046, 9999], ours: [1002, 9429] },
  "transaction/status": { seed: [], ours: [1002, 2012, 2018, 9999, 9429] },
  "transaction/cancel": { seed: [2011, 2012, 2013, 2015, 2016, 2017, 2018, 9999], ours: [1002, 9429] },
  "loan/calculator": { seed: [], ours: [1002, 2012, 9999, 9429] },
  get_credit_details: { seed: [2012], ours: [1002, 9999, 9429] },
  "user/tokenize/init": { seed: [2009, 2012, 2030, 9999], ours: [1002, 9429] },
} as const satisfies Record<
  string,
  { seed: readonly CheckoutFailureCode[]; ours: readonly CheckoutFailureCode[] }
>;

// ------------------------------------------------------------------------------------------------ envelope

export const checkoutErrorBodySchema = z.strictObject({
  status: z.literal(CHECKOUT_FAILURE_CODES as CheckoutFailureCode[]),
  message: z.string().min(1),
  error: z.strictObject({ message: z.string().min(1) }).optional(),
});
export type CheckoutErrorBody = z.output<typeof checkoutErrorBodySchema>;

export interface CheckoutErrorReply {
  readonly httpStatus: number;
  readonly body: CheckoutErrorBody;
}

/**
 * Builds the seed's error envelope for a code: `{"status": <code>, "message": <seed text>}` plus
 * `"error": {"message": detail}` when a detail is given. `params` fill the `{}` placeholders of a template
 * message (2013) in order; a template without matching params is a programming error and throws.
 */
export function checkoutError(
  code: CheckoutFailureCode,
  detail?: string,
  params: readonly (string | number | bigint)[] = [],
): CheckoutErrorReply {
  const entry = BY_CODE.get(code);
  if (entry === undefined || entry.kind !== "error")
    throw new TypeError(`not a Checkout API error code: ${code}`);
  const holes = entry.message.split("{}").length - 1;
  if (holes !== params.length) {
    throw new TypeError(`code ${code} message takes ${holes} params, got ${params.length}`);
  }
  let i = 0;
  const message = entry.message.replace(/\{\}/g, () => String(params[i++]));
  const body: CheckoutErrorBody =
    detail === undefined || detail === ""
      ? { status: code, message }
      : { status: code, message, error: { message: detail } };
  return { httpStatus: entry.httpStatus, body };
}

/**
 * The reply for a request that failed its schema. A refinement may pin a specific code through
 * `params: { checkoutCode }` (cancel's negative amount → 2011); otherwise it is 1002. The detail is
 * describeFirstIssue's `field: reason`.
 */
export function checkoutErrorFromZod(error: z.ZodError): CheckoutErrorReply {
  const first = error.issues[0];
  const pinned =
    first?.code === "custom"
      ? (first.params as { checkoutCode?: unknown } | undefined)?.checkoutCode
      : undefined;
  const code = CHECKOUT_FAILURE_CODES.find((c) => c === pinned) ?? 1002;
  return checkoutError(code, describeFirstIssue(error));
}
