import type { z } from "zod";

// Turns the first zod issue into one line that says which field and why, e.g.
// `items[0].price: amount_has_too_many_decimals` or `buyers: required`. The gateway puts this line into the
// `error.message` of a 1002 envelope (see errors.ts).

type Issue = z.core.$ZodIssue;

const SNAKE_REASON = /^[a-z][a-z0-9_]*(?::\S*)?$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `["items", 0, "price"]` → `items[0].price`; the empty path (the body itself) → `body`. */
export function renderIssuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (typeof segment === "string" && IDENTIFIER.test(segment))
      out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out === "" ? "body" : out;
}

/** The reason part: our own snake_case message when the schema set one, else derived from the issue code. */
export function issueReason(issue: Issue): string {
  if (SNAKE_REASON.test(issue.message)) return issue.message;
  switch (issue.code) {
    case "invalid_type":
      // zod omits `input` from reported issues; its default English message ends in "received undefined".
      return /received undefined$/.test(issue.message) ? "required" : `expected_${issue.expected}`;
    case "invalid_value":
      return `must_be_one_of:${issue.values.map(String).join("|")}`;
    case "invalid_union": {
      // A discriminated union that matched no option reports its discriminator values in `options`.
      const options = (issue as { options?: unknown }).options;
      return Array.isArray(options) ? `must_be_one_of:${options.map(String).join("|")}` : "invalid_value";
    }
    case "too_small":
      if (issue.origin === "string" || issue.origin === "array") {
        return Number(issue.minimum) <= 1 ? "must_not_be_empty" : `must_have_at_least_${issue.minimum}`;
      }
      return issue.inclusive === false
        ? `must_be_greater_than_${issue.minimum}`
        : `must_be_at_least_${issue.minimum}`;
    case "too_big":
      return issue.inclusive === false
        ? `must_be_less_than_${issue.maximum}`
        : `must_be_at_most_${issue.maximum}`;
    case "invalid_format":
      return `invalid_${issue.format}`;
    case "unrecognized_keys":
      return `unknown_fields:${issue.keys.join(",")}`;
    case "not_multiple_of":
      return `must_be_a_multiple_of_${issue.divisor}`;
    default:
      return "invalid";
  }
}

export function describeIssue(issue: Issue): string {
  return `${renderIssuePath(issue.path)}: ${issueReason(issue)}`;
}

/** `transaction path: reason` of the first issue; "body: invalid" if zod reported none. */
export function describeFirstIssue(error: z.ZodError): string {
  const first = error.issues[0];
  return first === undefined ? "body: invalid" : describeIssue(first);
}
