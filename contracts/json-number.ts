// JSON numbers kept as their source text (DESIGN.md "Money"). JSON.parse turns 1000.56 into the nearest
// binary double and 123456789012345678901 into a rounded neighbour; money must be read from what the sender
// actually wrote, so such numbers are carried as text until parseMoney turns them into bigint minor units.

// RFC 8259 number grammar, with the parts of the value captured: sign, integer, fraction, exponent.
const JSON_NUMBER = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;
const PLAIN_INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MAX_SAFE_DIGITS = BigInt(MAX_SAFE.toString().length);

// Node 24 has JSON.rawJSON and reviver source access (TC39 "JSON.parse source text access"),
// but TypeScript's lib does not describe them yet.
type SourceReviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;
const parseWithSource = JSON.parse as (text: string, reviver: SourceReviver) => unknown;
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

export class JsonNumberText {
  readonly source: string;

  constructor(source: string) {
    // Checked here because JsonNumberText is written back verbatim.
    if (typeof source !== "string" || !JSON_NUMBER.test(source)) {
      throw new TypeError(`JsonNumberText: not a JSON number: ${JSON.stringify(source)}`);
    }
    this.source = source;
  }

  // Lets plain JSON.stringify emit the original digits (e.g. `1000.0`) instead of a string or a float.
  toJSON(): unknown {
    return rawJSON(this.source);
  }

  toString(): string {
    return this.source;
  }

  /** Its exact value. */
  parts(): DecimalParts {
    const parts = jsonNumberParts(this.source);
    if (!parts) throw new TypeError(`JsonNumberText: ${this.source} lost its JSON number grammar`);
    return parts;
  }
}

/** value = ±coefficient × 10^exponent, the coefficient without leading or trailing zeros ("" for zero). */
export interface DecimalParts {
  readonly negative: boolean;
  readonly coefficient: string;
  /** bigint because "1e99999999999999999999" is valid JSON. */
  readonly exponent: bigint;
}

/** The exact value of a JSON number's text, or undefined when the text is not one. No double involved. */
export function jsonNumberParts(text: string): DecimalParts | undefined {
  const match = JSON_NUMBER.exec(text);
  if (!match) return undefined;
  const [, sign = "", int = "", frac = "", exp = "0"] = match;
  const digits = (int + frac).replace(/^0+/, "");
  const coefficient = digits.replace(/0+$/, "");
  const exponent = BigInt(exp) - BigInt(frac.length) + BigInt(digits.length - coefficient.length);
  return { negative: sign === "-" && coefficient !== "", coefficient, exponent };
}

/**
 * Above 2^53-1 a client that parses JSON through doubles may have meant another value, so such numbers are
 * refused rather than guessed at. Decided on digit counts first so a huge exponent never builds a huge BigInt.
 */
export function exceedsSafeMagnitude({ coefficient, exponent }: DecimalParts): boolean {
  if (coefficient === "") return false;
  const integerDigits = BigInt(coefficient.length) + exponent;
  if (integerDigits !== MAX_SAFE_DIGITS) return integerDigits > MAX_SAFE_DIGITS;
  return exponent >= 0n
    ? BigInt(coefficient) * 10n ** exponent > MAX_SAFE
    : BigInt(coefficient) > MAX_SAFE * 10n ** -exponent;
}

/** Why a JSON text was refused: not JSON, nested past the parser's stack, or a prototype-poisoning key. */
export type JsonTextRule =
  | "malformed_json"
  | "nesting_too_deep"
  | "forbidden_key:__proto__"
  | "forbidden_key:constructor.prototype";

export class JsonTextRefused extends Error {
  override name = "JsonTextRefused";
  readonly rule: JsonTextRule;
  constructor(rule: JsonTextRule, options?: ErrorOptions) {
    super(rule, options);
    this.rule = rule;
  }
}

/**
 * JSON.parse that keeps every number which is not a plain safe integer literal (fraction, exponent, or
 * magnitude above 2^53-1) as a JsonNumberText, so it is never rounded through a float. Plain safe integers
 * (counts, timestamps, `"amount": 6505000`) stay `number` because they are exact already. Like fastify's own
 * parser it refuses `__proto__` keys and `constructor.prototype`, which poison objects merged from the body.
 * Throws JsonTextRefused naming the rule.
 */
export function parseJsonPreservingNumbers(text: string): unknown {
  try {
    return parseWithSource(text, (key, value, context) => {
      if (key === "__proto__") throw new JsonTextRefused("forbidden_key:__proto__");
      if (key === "constructor" && isObject(value) && Object.hasOwn(value, "prototype")) {
        throw new JsonTextRefused("forbidden_key:constructor.prototype");
      }
      if (typeof value !== "number") return value;
      const source = context?.source;
      // Without source access we would silently fall back to floats, which is exactly what this exists to avoid.
      if (source === undefined)
        throw new Error("JSON.parse source text access is unavailable (needs Node 24+)");
      if (PLAIN_INTEGER.test(source) && Number.isSafeInteger(value)) return value;
      return new JsonNumberText(source);
    });
  } catch (error) {
    if (error instanceof JsonTextRefused) throw error;
    // A RangeError is the reviver running out of stack on absurd nesting.
    if (error instanceof RangeError) throw new JsonTextRefused("nesting_too_deep", { cause: error });
    if (error instanceof SyntaxError) throw new JsonTextRefused("malformed_json", { cause: error });
    throw error;
  }
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === "object";
}
