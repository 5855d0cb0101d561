import { z } from "zod";
import { type DecimalParts, exceedsSafeMagnitude, JsonNumberText, jsonNumberParts } from "./json-number.ts";

// Integer money (DESIGN.md "Money"): amounts are bigint minor units; decimals on the wire are parsed from
// their text with regex + BigInt and rendered back by string manipulation. No float ever touches an amount.

export { JsonNumberText, parseJsonPreservingNumbers } from "./json-number.ts";

export type Currency = "VND" | "INR";
export const currencies: readonly Currency[] = Object.freeze(["VND", "INR"] as const);

const SCALES: Readonly<Record<Currency, number>> = { VND: 0, INR: 2 };

export function currencyScale(c: Currency): number {
  const scale = SCALES[c];
  invariant(scale !== undefined, `unknown currency ${String(c)}`);
  return scale;
}

export interface Money {
  readonly amountMinor: bigint;
  readonly currency: Currency;
}

export function money(amountMinor: bigint, currency: Currency): Money {
  invariant(typeof amountMinor === "bigint", `amountMinor must be a bigint, got ${typeof amountMinor}`);
  invariant(currencies.includes(currency), `unknown currency ${String(currency)}`);
  return Object.freeze({ amountMinor, currency });
}

// ---------------------------------------------------------------------------------------------- parsing

export type MoneyRejection =
  | "amount_must_be_a_number"
  | "amount_must_be_finite"
  | "amount_must_not_be_negative"
  | "amount_has_too_many_decimals"
  | "amount_json_number_too_large";

export type MoneyParse = { ok: true; value: Money } | { ok: false; rule: MoneyRejection };

export interface MoneyParseOptions {
  readonly allowNegative?: boolean;
}

// Strings use the JSON number grammar minus the exponent: no "+", no whitespace, no ".5" or "5.", and no
// leading zeros ("007"). One canonical shape per value keeps idempotency keys and audit trails unambiguous,
// and it is the shape every seed uses ("1000000.0", "6505000"). "-0" is zero, not a negative amount.
// JSON numbers (JsonNumberText, or String(n) of a JS number) may carry an exponent: 1e5 is valid JSON.
const EXPONENT = /[eE]/;
// A string spelling of a non-finite double is almost certainly a stringified NaN/Infinity, so say so.
const NON_FINITE_STRING = /^-?(?:Infinity|NaN)$/;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function toMoney(
  d: DecimalParts,
  currency: Currency,
  fromJsonNumber: boolean,
  opts?: MoneyParseOptions,
): MoneyParse {
  if (d.negative && !opts?.allowNegative) return { ok: false, rule: "amount_must_not_be_negative" };
  if (fromJsonNumber && exceedsSafeMagnitude(d)) return { ok: false, rule: "amount_json_number_too_large" };
  // Trailing zeros are already folded into the exponent, so any remaining negative shift is a real fraction.
  const shift = d.exponent + BigInt(currencyScale(currency));
  if (d.coefficient === "") return { ok: true, value: money(0n, currency) };
  if (shift < 0n) return { ok: false, rule: "amount_has_too_many_decimals" };
  const magnitude = BigInt(d.coefficient) * 10n ** shift;
  return { ok: true, value: money(d.negative ? -magnitude : magnitude, currency) };
}

/**
 * Reads an amount in major units (what the APIs send) into minor units, exactly.
 * Accepts a JS number (from a plain JSON.parse), a decimal string, or a JsonNumberText.
 */
export function parseMoney(input: unknown, currency: Currency, opts?: MoneyParseOptions): MoneyParse {
  if (typeof input === "number") {
    if (!Number.isFinite(input)) return { ok: false, rule: "amount_must_be_finite" };
    // String(n) is the shortest text that round-trips to n, i.e. what a float-based sender wrote. Integers
    // above 2^53 come out as their (possibly rounded) double value and are rejected as too large below.
    return toMoney(new JsonNumberText(String(input)).parts(), currency, true, opts);
  }
  if (input instanceof JsonNumberText) return toMoney(input.parts(), currency, true, opts);
  if (typeof input === "string") {
    const parts = EXPONENT.test(input) ? undefined : jsonNumberParts(input);
    if (parts) return toMoney(parts, currency, false, opts);
    if (NON_FINITE_STRING.test(input)) return { ok: false, rule: "amount_must_be_finite" };
  }
  return { ok: false, rule: "amount_must_be_a_number" };
}

/** zod schema for an amount field; every rejection surfaces as the MoneyRejection name in the issue message. */
export function moneySchema(currency: Currency, opts?: MoneyParseOptions): z.ZodType<Money> {
  // z.unknown() rather than a union so that wrong types, NaN, etc. report our rule names, not zod's.
  return z.unknown().transform((input, ctx) => {
    const parsed = parseMoney(input, currency, opts);
    if (parsed.ok) return parsed.value;
    ctx.addIssue({ code: "custom", message: parsed.rule, input });
    return z.NEVER;
  });
}

// -------------------------------------------------------------------------------------------- rendering

/** Canonical minimal decimal in major units: 100056n INR → "1000.56", 100050n INR → "1000.5", VND → "6505000". */
export function renderDecimal(m: Money): string {
  const scale = currencyScale(m.currency);
  const sign = m.amountMinor < 0n ? "-" : "";
  const digits = (m.amountMinor < 0n ? -m.amountMinor : m.amountMinor).toString();
  if (scale === 0) return sign + digits;
  const padded = digits.padStart(scale + 1, "0");
  const fraction = padded.slice(-scale).replace(/0+$/, "");
  return sign + padded.slice(0, -scale) + (fraction ? `.${fraction}` : "");
}

/**
 * Checkout API responses and push notifications: a decimal string, 6505000n VND → "6505000.0". Both seed
 * backends print amounts the way Java's Double.toString does for ordinary magnitudes: the minimal decimal
 * with at least one fraction digit ("1000000.0", "1000.0", "1000.56"). We reproduce the text, not the
 * double, so it stays exact (and we never switch to "1.0E7" scientific form like Java would).
 */
export function renderCheckoutAmount(m: Money): string {
  const decimal = renderDecimal(m);
  return decimal.includes(".") ? decimal : `${decimal}.0`;
}

/**
 * Checkout API fields typed Double in responses (e.g. `checkout_amount: 4000000.0`): a raw JSON number. A JS
 * number cannot be the answer: JSON.stringify(1000) prints "1000" not "1000.0", and 1000.56 as a double is
 * only the nearest binary fraction, exact on the wire only while the shortest round-trip text happens to
 * match (≤15 significant digits). A JsonNumberText carries the exact digits; JSON.stringify writes them raw.
 */
export function renderCheckoutAmountAsNumber(m: Money): JsonNumberText {
  // Never emit a JSON number we would ourselves refuse as amount_json_number_too_large on the way back in.
  const magnitude = m.amountMinor < 0n ? -m.amountMinor : m.amountMinor;
  invariant(
    magnitude <= MAX_SAFE * 10n ** BigInt(currencyScale(m.currency)),
    `amount ${renderDecimal(m)} ${m.currency} is too large to send as a JSON number`,
  );
  return new JsonNumberText(renderCheckoutAmount(m));
}

function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new TypeError(message);
}
