// Import rules of the layout (DESIGN.md "Layout"; docs/architecture.md, whose table `allowed` is).
// `npm run lint` runs them over services/ and contracts/; a forbidden import fails CI (test/lint proves
// each rule). Dependencies point inward:
//   runtime → product contexts (checkout, kredmint) → credit, notifier → http → platform → ledger → contracts
//   runtime → finance → credit
// and no product context imports another; only the runtime imports a product context.
const PRODUCT_NAMES = ["checkout", "kredmint"];
const PRODUCTS = `(${PRODUCT_NAMES.join("|")})`;

/** A context may import only these folders (or single files) of services/, and itself, and contracts/. */
const allowed = {
  ledger: [],
  platform: ["ledger/decider\\.ts"],
  http: ["platform"],
  projector: ["platform", "ledger/decider\\.ts"],
  publisher: ["platform"],
  credit: ["ledger", "platform", "http"],
  finance: ["ledger", "platform", "http", "credit"],
  notifier: ["ledger/decider\\.ts", "platform", "http"],
  checkout: ["ledger", "platform", "http", "credit", "notifier"],
  kredmint: ["ledger", "platform", "http", "credit", "notifier"],
};

// A folder ends at its slash and a file at its name, so "http" never lets in a services/https/.
const below = (entry) => `^services/${entry}${entry.endsWith("\\.ts") ? "$" : "/"}`;

const onlyInward = Object.entries(allowed).map(([context, may]) => ({
  name: `${context}-imports-only-inward`,
  comment: `services/${context} may import contracts/, itself${may.length ? `, and services/{${may.join(", ")}}` : ""}`,
  severity: "error",
  from: { path: `^services/${context}/` },
  to: {
    path: "^services/",
    pathNot: [below(context), ...may.map(below)],
  },
}));

module.exports = {
  forbidden: [
    ...onlyInward,
    {
      name: "contracts-import-only-contracts",
      comment: "contracts/ is the bottom: zod schemas and codecs, no service code",
      severity: "error",
      from: { path: "^contracts/" },
      to: { path: "^services/" },
    },
    {
      name: "no-product-imports-another-product",
      severity: "error",
      from: { path: `^services/${PRODUCTS}/` },
      to: { path: `^services/${PRODUCTS}/`, pathNot: "^services/$1/" },
    },
    {
      name: "only-runtime-imports-products",
      comment:
        "a product context is composed by services/runtime; no other context (a new one too) imports it",
      severity: "error",
      from: { path: "^services/", pathNot: `^services/(runtime|${PRODUCT_NAMES.join("|")})/` },
      to: { path: `^services/${PRODUCTS}/` },
    },
    {
      name: "only-runtime-composes",
      comment: "services/runtime is the composition root; only main.ts starts it",
      severity: "error",
      from: { path: "^services/", pathNot: ["^services/runtime/", "^services/main\\.ts$"] },
      to: { path: "^services/runtime/" },
    },
    {
      name: "no-circular",
      comment: "no import cycle, inside a context or across contexts",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "\\.test\\.ts$" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
