// JSON numbers kept as their source text (DESIGN.md "Money"). JSON.parse turns 1000.56 into the nearest
// binary double and 123456789012345678901 into a rounded neighbour; money must be read from what the sender
// actually wrote, so such numbers are carried as text until parseMoney turns them into bigint minor units.

// RFC 8259 number grammar. Checked on construction because JsonNumberText is written back verbatim.
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const PLAIN_INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

// Node 24 has JSON.rawJSON and reviver source access (TC39 "JSON.parse source text access"),
// but TypeScript's lib does not describe them yet.
type SourceReviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;
const parseWithSource = JSON.parse as (text: string, reviver: SourceReviver) => unknown;
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

export class JsonNumberText {
  readonly source: string;

  constructor(source: string) {
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
}

/**
 * JSON.parse that keeps every number which is not a plain safe integer literal (fraction, exponent, or
 * magnitude above 2^53-1) as a JsonNumberText, so it is never rounded through a float. Plain safe integers
 * (counts, timestamps, `"amount": 6505000`) stay `number` because they are exact already.
 */
export function parseJsonPreservingNumbers(text: string): unknown {
  return parseWithSource(text, (_key, value, context) => {
    if (typeof value !== "number") return value;
    const source = context?.source;
    // Without source access we would silently fall back to floats, which is exactly what this exists to avoid.
    if (source === undefined)
      throw new Error("JSON.parse source text access is unavailable (needs Node 24+)");
    if (PLAIN_INTEGER.test(source) && Number.isSafeInteger(value)) return value;
    return new JsonNumberText(source);
  });
}

/** JSON.stringify that writes JsonNumberText values as raw JSON numbers (via their toJSON). */
export function stringifyJsonPreservingNumbers(value: unknown, space?: number): string {
  const text = JSON.stringify(value, undefined, space);
  if (text === undefined) throw new TypeError("value has no JSON representation");
  return text;
}
