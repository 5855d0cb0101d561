import { z } from "zod";
import { exceedsSafeMagnitude, JsonNumberText } from "../json-number.ts";

// Integer fields of the Checkout API (tenure, quantity, expiry_time). Request bodies are read with
// parseJsonPreservingNumbers, which hands over plain safe integers as `number` and everything else
// ("1.0", "1e2", 2^53+1) as a JsonNumberText. A JsonNumberText whose value is integral is accepted
// (a merchant serialising through doubles may send `1.0`); a fraction or an unsafe magnitude is not.

export type JsonIntRejection = "expected_integer" | "must_be_an_integer" | "integer_too_large";

export type JsonIntParse = { ok: true; value: number } | { ok: false; rule: JsonIntRejection };

/** Exact integral value of a JSON number text, never going through a double for the decision. */
export function parseJsonInt(input: number | JsonNumberText): JsonIntParse {
  if (typeof input === "number") {
    if (!Number.isFinite(input)) return { ok: false, rule: "expected_integer" };
    if (!Number.isInteger(input)) return { ok: false, rule: "must_be_an_integer" };
    if (!Number.isSafeInteger(input)) return { ok: false, rule: "integer_too_large" };
    return { ok: true, value: input === 0 ? 0 : input }; // folds -0 into 0
  }
  const parts = input.parts();
  if (parts.coefficient === "") return { ok: true, value: 0 };
  // The coefficient has no trailing zeros left, so a negative exponent is a real fraction.
  if (parts.exponent < 0n) return { ok: false, rule: "must_be_an_integer" };
  if (exceedsSafeMagnitude(parts)) return { ok: false, rule: "integer_too_large" };
  const value = Number(BigInt(parts.coefficient) * 10n ** parts.exponent);
  return { ok: true, value: parts.negative ? -value : value };
}

export interface JsonIntOptions {
  readonly min?: number;
  readonly max?: number;
}

/**
 * zod schema for a JSON integer: accepts a safe-integer `number` or an integral JsonNumberText, outputs a
 * `number`. Strings ("1") are refused: the seed types these fields Integer. Rejections surface as
 * snake_case rule names (`required`, `expected_integer`, `must_be_an_integer`, `integer_too_large`,
 * `must_be_at_least_<n>`, `must_be_at_most_<n>`).
 */
export function jsonInt(opts: JsonIntOptions = {}): z.ZodType<number, number | JsonNumberText> {
  return z
    .union([z.number(), z.instanceof(JsonNumberText)], {
      error: (iss) => (iss.input === undefined ? "required" : "expected_integer"),
    })
    .transform((input, ctx) => {
      const parsed = parseJsonInt(input);
      if (!parsed.ok) {
        ctx.addIssue({ code: "custom", message: parsed.rule, input });
        return z.NEVER;
      }
      if (opts.min !== undefined && parsed.value < opts.min) {
        ctx.addIssue({ code: "custom", message: `must_be_at_least_${opts.min}`, input });
        return z.NEVER;
      }
      if (opts.max !== undefined && parsed.value > opts.max) {
        ctx.addIssue({ code: "custom", message: `must_be_at_most_${opts.max}`, input });
        return z.NEVER;
      }
      return parsed.value;
    });
}
