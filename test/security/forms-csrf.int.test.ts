import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// Issue 14 item 5, "CSRF protection on every form": every `<form` the service renders carries the page's
// double-submit token as its first field, directly (`name="csrf"`, `csrfField(…)`) or through the checkout
// page's `hidden(ctx)` (csrf + lang). A new form without one fails here, naming its file and line; each
// page's tests post without the token and expect 403 (hosted-page, tokenize-page, onboarding-pages,
// finance-page, lender/buyers for the PIN link).

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return path.endsWith(".ts") && !path.endsWith(".test.ts") ? [path] : [];
  });
}

const forms = sources("services").flatMap((file) =>
  readFileSync(file, "utf8")
    .split("\n")
    .flatMap((line, i) => (line.includes("<form") ? [{ where: `${file}:${i + 1}`, line }] : [])),
);

describe("every form the service serves", () => {
  it("is found (the scan sees the pages' views)", () => {
    expect(forms.length).toBeGreaterThanOrEqual(10);
  });

  it.each(forms.map((f) => [f.where, f.line] as const))("%s carries a CSRF token", (_where, line) => {
    const afterTag = line.slice(line.indexOf("<form"));
    expect(afterTag).toMatch(
      /<form [^>]*>\$\{(csrfField\(ctx\.csrf\)|hidden\(ctx\))\}|<form [^>]*><input type="hidden" name="csrf"/,
    );
  });
});
