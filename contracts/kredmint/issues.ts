import type { z } from "zod";

// A refused Partner API request says `<field>: <what is wrong and how to fix it>` (the issue's contract).
// Our own schemas word their messages that way already; zod's built-in checks are reworded here.

const where = (path: readonly PropertyKey[]) =>
  path.length === 0 ? "body" : path.map((p) => (typeof p === "number" ? `[${p}]` : String(p))).join(".");

/** zod's own wording (ours is lower case and says how to fix it). */
const ZOD_DEFAULT = /^(Invalid|Too (big|small)|Unrecognized)/;

function reason(issue: z.core.$ZodIssue): string {
  if (!ZOD_DEFAULT.test(issue.message)) return issue.message;
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined
        ? "is required; send it"
        : `must be ${article(issue.expected)}; send it as ${article(issue.expected)}`;
    case "too_big":
      return issue.origin === "string"
        ? `is longer than ${issue.maximum} characters; shorten it`
        : `is above ${issue.maximum}; send at most ${issue.maximum}`;
    case "too_small":
      return issue.origin === "string"
        ? `is shorter than ${issue.minimum} characters; send at least ${issue.minimum}`
        : `is below ${issue.minimum}; send at least ${issue.minimum}`;
    case "invalid_value":
      return `must be one of ${issue.values.map(String).join(", ")}; send one of them`;
    case "unrecognized_keys":
      return `has unknown fields ${issue.keys.join(", ")}; remove them`;
    default:
      return issue.message;
  }
}

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

const isMissing = (issue: z.core.$ZodIssue) => issue.code === "invalid_type" && issue.input === undefined;

/**
 * The first issue as `field: what is wrong and how to fix it`; when fields are missing, every missing one
 * is named (`supplierName: is required; …; ifsc: is required; …`) so one retry can fix them all.
 */
export function describeKredmintIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "body: is invalid; send the fields this operation documents";
  const issues = isMissing(issue) ? error.issues.filter(isMissing) : [issue];
  return issues.map((i) => `${where(i.path)}: ${reason(i)}`).join("; ");
}
