import type { UserContext } from "../../contracts/kredmint/eligibility.ts";

/**
 * The partner's `userContext` as the flat prefill the user's stream records: only what was given (empty
 * strings and zero amounts or coordinates are "not given"), every value as its text, nested fields dotted
 * (`address.city`, `gmv.minInLac`). Numbers keep the digits the partner sent.
 */
export function prefillOf(context: UserContext | undefined): Record<string, string> {
  const prefill: Record<string, string> = {};
  const walk = (value: unknown, path: string) => {
    if (value === undefined) return;
    if (typeof value === "object" && value !== null && !isNumberText(value)) {
      for (const [key, child] of Object.entries(value)) walk(child, path ? `${path}.${key}` : key);
      return;
    }
    const text = String(value);
    if (/^-?0(\.0*)?$/.test(text) && path !== "anchorVintageInDays") return;
    prefill[path] = text;
  };
  walk(context, "");
  return prefill;
}

// A JsonNumberText prints its digits through toString; it is the one object that is a leaf.
const isNumberText = (value: object) => "source" in value && typeof value.source === "string";
