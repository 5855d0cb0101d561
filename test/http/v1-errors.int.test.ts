import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { V1_ERROR_CODES, V1_ERRORS } from "../../services/http/v1-errors.ts";

// The catalogue against the two places a caller reads it without the code: README's table, and the sources
// (no problem written around the catalogue, no catalogued code that nothing sends). That every code the
// code sends is catalogued is checked by the compiler: sendProblem takes a V1ErrorCode.

const ROOT = join(import.meta.dirname, "..", "..");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

const services = sources(join(ROOT, "services")).map((path) => ({
  file: relative(ROOT, path),
  text: readFileSync(path, "utf8"),
}));

/** The rows of README's "/v1 errors" table: code, status, title, how to fix. */
function readmeRows(): string[][] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("`/v1` errors"));
  expect(section, 'README has a "/v1 errors" section').toBeDefined();
  return section!
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) =>
      line
        .slice(1, -1)
        .split(" | ")
        .map((cell) => cell.trim()),
    );
}

describe("the /v1 error catalogue", () => {
  it("is the table in README, code by code: status, title and how to fix", () => {
    expect(readmeRows()).toEqual(
      V1_ERROR_CODES.map((code) => {
        const { status, title, fix } = V1_ERRORS[code];
        return [`\`${code}\``, String(status), title, fix];
      }),
    );
  });

  it("is the only way a problem is written: no source builds one around it", () => {
    const around = services.filter(
      ({ file, text }) =>
        file !== join("services", "http", "problem-details.ts") &&
        /problem\+json|PROBLEM_CONTENT_TYPE|\/problems\//.test(text),
    );
    expect(around.map((s) => s.file)).toEqual([]);
  });

  it.each(V1_ERROR_CODES)("holds no code that nothing sends: %s is used in services/", (code) => {
    const users = services.filter(
      ({ file, text }) => file !== join("services", "http", "v1-errors.ts") && text.includes(`"${code}"`),
    );
    expect(users.length).toBeGreaterThan(0);
  });
});
