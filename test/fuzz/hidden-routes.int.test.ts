import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FinanceHarness, startFinanceHarness } from "../finance/harness.ts";
import {
  abuseRequests,
  type FuzzRequest,
  formRequests,
  hiddenRoutes,
  injectFuzz,
  type OpenApiDocument,
  type Route,
  type RouteContext,
  schemaRequests,
} from "./requests.ts";

// The routes the OpenAPI document leaves out (the hosted pages, health), found in Fastify's route tree so a
// page added later is fuzzed too: hostile path values, hostile form posts, and the raw abuse of the API
// routes. No answer is a 5xx, and no request moves the log head (none names a checkout that exists).

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const context: RouteContext = { credentials: [{}], bodyOverrides: {} };

let h: FinanceHarness;
let routes: Route[];
const counts = new Map<string, number>();

beforeAll(async () => {
  // Unknown keys are among the credentials tried, all from one address: past the auth-failure limit every
  // later request would be a 429 before its handler runs (test/security/auth-failures.int.test.ts covers it).
  h = await startFinanceHarness({ AUTH_FAILURE_LIMIT: "1000000" });
  const doc: OpenApiDocument = (await h.service.app.inject({ method: "GET", url: "/docs/json" })).json();
  routes = hiddenRoutes(h.service.app.printRoutes({ commonPrefix: false }), doc);
});
afterAll(async () => {
  if (counts.size > 0) {
    console.log(`fuzz: ${RUNS} requests of each kind per hidden route`);
    console.table([...counts].map(([route, sent]) => ({ route, sent })));
  }
  await h?.close();
});

async function send(route: Route, req: FuzzRequest): Promise<void> {
  counts.set(route.name, (counts.get(route.name) ?? 0) + 1);
  const before = await h.service.store.headPosition();
  const { what } = await injectFuzz(h.service.app, req);
  expect(await h.service.store.headPosition(), `nothing appended: ${what}`).toBe(before);
}

describe("every route the OpenAPI document leaves out, fuzzed", () => {
  it("finds the hosted page's routes and health", () => {
    const names = routes.map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "GET /healthz",
        "GET /kredivo/signIn",
        "POST /kredivo/signIn/{transactionId}/credentials",
      ]),
    );
  });

  it(
    "never answers 5xx and never appends",
    async () => {
      for (const route of routes) {
        for (const arbitrary of [
          schemaRequests(route, context),
          formRequests(route, context),
          abuseRequests(route, context),
        ]) {
          await fc.assert(
            fc.asyncProperty(arbitrary, (req) => send(route, req)),
            { numRuns: RUNS, endOnFailure: true },
          );
        }
      }
    },
    60_000 + RUNS * 1_000,
  );
});
