import { z } from "zod";
import { JsonNumberText, type Money, type MoneyParseOptions, moneySchema } from "../money.ts";
import { jsonInt } from "./json-int.ts";

// Field building blocks shared by the Checkout API contracts (seed 001). Every rejection carries a
// snake_case reason (`required`, `expected_string`, `must_not_be_empty`, ...) so describeFirstIssue can
// render `items[0].price: amount_has_too_many_decimals` for the 1002 error.
//
// Unknown fields: requests use z.object (strip). The seed is permissive and merchants ported from other
// Kredivo markets send extra keys; ignoring them keeps those integrations working and keeps unvetted data out
// of the event log. Responses and push bodies that *we* emit use z.strictObject so a test catches any field
// the seed does not show.

/** The Checkout API is the VND product. */
export const CHECKOUT_CURRENCY = "VND" as const;

type RawIssue = { readonly input?: unknown };

export function typeError(expected: string): (iss: RawIssue) => string {
  return (iss) => (iss.input === undefined ? "required" : `expected_${expected}`);
}

// ------------------------------------------------------------------------------------------------ bounds

/**
 * The longest value each kind of request field may carry, in characters (UTF-16 code units, as zod counts).
 * Every string a request carries has one, so no field can put a megabyte into the permanent log; the seed's
 * own samples sit well inside each (its longest, a user_agent, has 132 characters; its signature_key 108).
 * The README's "Limits" lists them.
 */
export const FIELD_MAX_CHARS = {
  /** server_key, signature_key, transaction_id, client_user_key, user_token */
  key: 255,
  /** order_id, items[].id, sellers[].id, parent_id, dealer_code */
  id: 100,
  /** names of items, buyers, sellers and addressees; item types; parent_type */
  name: 255,
  /** every URL: push_url, back_to_store_url, cancel_url, items[].url, image_url, sellers[].url */
  url: 2048,
  /** RFC 5321's longest forward path */
  email: 254,
  mobileNumber: 32,
  /** address, province, district, ward */
  address: 500,
  /** the longest textual IPv6 address */
  ipAddress: 45,
  userAgent: 1024,
  /** device_id, imsi */
  device: 255,
  /** a cancellation's reason and cancelled_by */
  text: 1000,
  /** an offline checkout's metadata object, written as JSON: kept in the log and echoed in every push */
  metadata: 4096,
} as const;

/** The most entries each request array may carry. */
export const ARRAY_MAX_ENTRIES = { items: 200, sellers: 50, buyers: 10, shippingAddresses: 10 } as const;

function boundedString(maxChars: number) {
  return z
    .string({ error: typeError("string") })
    .max(maxChars, { error: `too_long:max_${maxChars}_characters` });
}

/** A required string that must not be empty. Not trimmed: the seed's own data has trailing spaces. */
export function requiredString(maxChars: number): z.ZodString {
  return boundedString(maxChars).min(1, { error: "must_not_be_empty" });
}

/** Any string, including "" (used for free-text fields in responses). */
export function anyString(): z.ZodString {
  return z.string({ error: typeError("string") });
}

/** Optional in the seed: absent and `null` both mean "not sent"; the output is `T | undefined`. */
export function optional<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((v): z.output<T> | undefined => v ?? undefined);
}

/** An IPv4 or IPv6 address in its textual form (the seed's sample: "123.23.24.11"). */
export function ipAddress() {
  return z.union([z.ipv4(), z.ipv6()], { error: "must_be_an_ipv4_or_ipv6_address" });
}

export function optionalString(maxChars: number) {
  return optional(boundedString(maxChars));
}

/** An email address (buyers[].email, sellers[].email); the seed's samples are plain `name@domain` ones. */
export function emailAddress() {
  return requiredString(FIELD_MAX_CHARS.email).pipe(z.email({ error: "must_be_an_email_address" }));
}

/** A JSON array of one to `maxEntries` entries. */
export function boundedArray<T extends z.ZodType>(item: T, maxEntries: number) {
  return z
    .array(item, { error: typeError("array") })
    .min(1, { error: "must_not_be_empty" })
    .max(maxEntries, { error: `too_many:max_${maxEntries}_entries` });
}

/**
 * An http(s) URL we will call or redirect to (push_url, back_to_store_url, cancel_url). Surrounding
 * whitespace is trimmed: the seed's own offline example sends `" https://api-staging-vn.kredivo.com"`.
 */
export function httpUrl() {
  return z
    .string({ error: typeError("string") })
    .trim()
    .min(1, { error: "must_not_be_empty" })
    .max(FIELD_MAX_CHARS.url, { error: `too_long:max_${FIELD_MAX_CHARS.url}_characters` })
    .pipe(z.url({ protocol: /^https?$/, error: "must_be_an_http_url" }));
}

/**
 * A VND amount in a request (the seed types it Double or Integer): JSON number, JsonNumberText or decimal
 * string, parsed exactly by contracts/money.ts into bigint minor units. VND has no minor digits, so
 * `1000.5` is `amount_has_too_many_decimals` while `1000.0` is fine.
 */
export function vndAmount(opts?: MoneyParseOptions): z.ZodType<Money, number | string | JsonNumberText> {
  return z
    .union([z.number(), z.string(), z.instanceof(JsonNumberText)], {
      error: (iss) => (iss.input === undefined ? "required" : "amount_must_be_a_number"),
    })
    .pipe(
      // moneySchema takes `unknown`; narrowing its input to what the union lets through is sound.
      moneySchema(CHECKOUT_CURRENCY, opts) as unknown as z.ZodType<Money, number | string | JsonNumberText>,
    );
}

/** A VND amount that must be greater than zero (checkout amount, loan calculator amount). */
export function positiveVndAmount() {
  return vndAmount().refine((m) => m.amountMinor > 0n, { error: "amount_must_be_positive" });
}

// ------------------------------------------------------------------------------------- ids we issue

/** transaction_id is a lowercase UUID we issue at checkout/init (the seed's samples have the same form). */
const ISSUED_TRANSACTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether an id can name a transaction at all; one that cannot is "not found" in the API's words. */
export function isIssuedTransactionId(id: string): boolean {
  return ISSUED_TRANSACTION_ID.test(id);
}

// ----------------------------------------------------------------------------------------------- tenure

/** Payment terms in months the seed names: "(1, 3, 6, 12)". 1 is the 30-day pay-later term. */
export const TENURES = [1, 3, 6, 12] as const;
export type Tenure = (typeof TENURES)[number];

export function isTenure(n: number): n is Tenure {
  return (TENURES as readonly number[]).includes(n);
}

/** tenure in a request: a JSON integer among TENURES. */
export function tenureField() {
  return jsonInt().refine(isTenure, { error: "must_be_one_of:1|3|6|12" });
}

/** tenure in a response or push body we emit. */
export const tenureOut = z.union(
  TENURES.map((t) => z.literal(t)) as [z.ZodLiteral<Tenure>, ...z.ZodLiteral<Tenure>[]],
);

// ------------------------------------------------------------------------------------- response values

/**
 * Amounts in responses and push bodies are strings in Java `Double.toString` style: "1000000.0"
 * (renderCheckoutAmount). VND is integral, so the fraction is always ".0".
 */
export const checkoutAmountText = z
  .string()
  .regex(/^(0|[1-9][0-9]*)\.0$/, { error: "expected_checkout_amount_text" });

/**
 * Fields the seed types Double and shows as a bare JSON number with a fraction (`"checkout_amount":
 * 4000000.0`). We emit them as JsonNumberText (renderCheckoutAmountAsNumber) so the wire text keeps the
 * ".0"; a plain non-negative integer `number` is accepted too.
 */
export const checkoutAmountNumber = z.union([
  z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  z.instanceof(JsonNumberText).refine((n) => /^(0|[1-9][0-9]*)\.0$/.test(n.source), {
    error: "expected_checkout_amount_number",
  }),
]);

/** Integer money in loan-calculator responses (`"monthly_installment": 1000000`). */
export const integerVnd = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** UNIX time in whole seconds (`"transaction_time": 1501846094`). */
export const epochSeconds = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** `"status": 1` of every positive response. */
export const STATUS_SUCCESS = 1 as const;
