import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { cruise, type ICruiseOptions, type IViolation } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The import rules `npm run lint` enforces (.dependency-cruiser.cjs), run through dependency-cruiser's own
// API: on a tiny tree that breaks each rule once (and keeps some allowed imports), and on the real code.

const REPO = resolve(import.meta.dirname, "../..");

/** The text of a file at `from` that imports each of `imports` (paths from the tree's root). */
function importing(from: string, ...imports: string[]): string {
  const lines = imports.map((to, i) => {
    const path = relative(dirname(from), to);
    const specifier = path.startsWith("../") ? path : `./${path}`;
    return `import { x as x${i} } from "${specifier}";\nexport const y${i} = x${i};`;
  });
  return [...lines, "export const x = 1;", ""].join("\n");
}

const TREE: Record<string, string> = {
  // Forbidden: the domain reaching out to a product.
  "services/ledger/a.ts": importing("services/ledger/a.ts", "services/checkout/b.ts"),
  "services/checkout/b.ts": importing("services/checkout/b.ts"),
  // Forbidden: one product importing another.
  "services/checkout/c.ts": importing("services/checkout/c.ts", "services/kredmint/d.ts"),
  "services/kredmint/d.ts": importing("services/kredmint/d.ts"),
  // Forbidden: a two-file cycle inside one context (reported once, where the cruise first meets it).
  "services/finance/e.ts": importing("services/finance/e.ts", "services/finance/f.ts"),
  "services/finance/f.ts": importing("services/finance/f.ts", "services/finance/e.ts"),
  // Forbidden: a context whose name merely starts like an allowed one ("http" is not "https").
  "services/credit/g.ts": importing("services/credit/g.ts", "services/https/h.ts"),
  "services/https/h.ts": importing("services/https/h.ts"),
  // Forbidden: a context without rules of its own importing a product.
  "services/audit/i.ts": importing("services/audit/i.ts", "services/kredmint/d.ts"),
  // Forbidden: the notifier importing a product's code (what push.ts once did).
  "services/notifier/j.ts": importing("services/notifier/j.ts", "services/checkout/b.ts"),
  // Forbidden: contracts/ reaching into services/, and a context importing the composition root.
  "contracts/n.ts": importing("contracts/n.ts", "services/platform/o.ts"),
  "services/platform/o.ts": importing("services/platform/o.ts"),
  "services/credit/p.ts": importing("services/credit/p.ts", "services/runtime/m.ts"),
  // Allowed: a product over the kernel and the notifier; the runtime over products.
  "services/checkout/k.ts": importing(
    "services/checkout/k.ts",
    "services/credit/g.ts",
    "services/notifier/j.ts",
    "contracts/l.ts",
  ),
  "services/runtime/m.ts": importing(
    "services/runtime/m.ts",
    "services/checkout/k.ts",
    "services/kredmint/d.ts",
  ),
  "contracts/l.ts": importing("contracts/l.ts"),
};

let options: ICruiseOptions;
let tree: string;

beforeAll(async () => {
  options = await extractDepcruiseOptions(join(REPO, ".dependency-cruiser.cjs"));
  tree = mkdtempSync(join(tmpdir(), "dependency-rules-"));
  for (const [path, text] of Object.entries(TREE)) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), text);
  }
});
afterAll(() => {
  rmSync(tree, { recursive: true, force: true });
});

async function violations(baseDir: string): Promise<[string, string, string][]> {
  const result = await cruise(["services", "contracts"], { ...options, baseDir });
  if (typeof result.output === "string") throw new Error("expected a cruise result, not a report");
  const found: IViolation[] = result.output.summary.violations;
  return found.map((v): [string, string, string] => [v.rule.name, v.from, v.to]).sort();
}

describe("the import rules of npm run lint", () => {
  it("name each forbidden import of a tree that breaks them, and nothing it may import", async () => {
    expect(await violations(tree)).toEqual(
      [
        ["checkout-imports-only-inward", "services/checkout/c.ts", "services/kredmint/d.ts"],
        ["contracts-import-only-contracts", "contracts/n.ts", "services/platform/o.ts"],
        ["credit-imports-only-inward", "services/credit/g.ts", "services/https/h.ts"],
        ["credit-imports-only-inward", "services/credit/p.ts", "services/runtime/m.ts"],
        ["ledger-imports-only-inward", "services/ledger/a.ts", "services/checkout/b.ts"],
        ["no-circular", "services/finance/e.ts", "services/finance/f.ts"],
        ["no-product-imports-another-product", "services/checkout/c.ts", "services/kredmint/d.ts"],
        ["notifier-imports-only-inward", "services/notifier/j.ts", "services/checkout/b.ts"],
        ["only-runtime-composes", "services/credit/p.ts", "services/runtime/m.ts"],
        ["only-runtime-imports-products", "services/audit/i.ts", "services/kredmint/d.ts"],
        ["only-runtime-imports-products", "services/ledger/a.ts", "services/checkout/b.ts"],
        ["only-runtime-imports-products", "services/notifier/j.ts", "services/checkout/b.ts"],
      ].sort(),
    );
  });

  it("find no violation in services/ and contracts/", async () => {
    expect(await violations(REPO)).toEqual([]);
  });

  it("are what npm run lint runs, over the same folders, after biome", () => {
    const { scripts } = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
    expect(scripts.lint).toBe("biome check . && npm run lint:deps");
    expect(scripts["lint:deps"]).toBe("depcruise --config .dependency-cruiser.cjs services contracts");
  });
});
