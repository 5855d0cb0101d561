import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHECKOUT_ENDPOINT_CODES, checkoutErrorEntry } from "../../contracts/checkout/errors.ts";
import { CHECKOUT_MOUNT } from "../../contracts/checkout/routes.ts";
import {
  BOTH_KEY,
  FINANCE_KEY,
  type FinanceHarness,
  OPERATOR_KEY,
  startFinanceHarness,
} from "../finance/harness.ts";
import { sandboxAuth } from "../kredmint/harness.ts";
import { SANDBOX_SERVER_KEY } from "../support/checkout-requests.ts";
import { quietHead } from "../support/events.ts";
import { bearer } from "../support/http.ts";
import {
  abuseRequests,
  documentedCodes,
  type FuzzRequest,
  injectFuzz,
  type OpenApiDocument,
  type Route,
  type RouteContext,
  routesOf,
  schemaRequests,
} from "./requests.ts";

// Every route of the served OpenAPI document, fuzzed from its own schemas through inject(): no answer is a
// 5xx, no refused request (a 4xx, or a /kredivo envelope whose status is not 1) moves the log head, and a
// /v1 refusal is a problem code the operation documents for its status.
// FUZZ_RUNS sets the requests per route (`npm run test:fuzz` runs many; `npm test` a few, in seconds).

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const ABUSE_RUNS = Math.max(10, Math.round(RUNS / 3));

let h: FinanceHarness;
let routes: Route[];
const context: RouteContext = {
  credentials: [
    {},
    bearer("not-a-key-0123456789"),
    bearer(FINANCE_KEY),
    bearer(OPERATOR_KEY),
    bearer(BOTH_KEY),
    bearer(BOTH_KEY),
    // The Partner API's sandbox partner, so /kredmint bodies reach their validators and parsers.
    sandboxAuth,
  ],
  bodyOverrides: { server_key: SANDBOX_SERVER_KEY },
};
const counts = new Map<string, { sent: number; refused: number }>();

beforeAll(async () => {
  // Unknown keys are among the credentials tried, all from one address: past the auth-failure limit every
  // later request would be a 429 before its handler runs (test/security/auth-failures.int.test.ts covers it).
  h = await startFinanceHarness({ AUTH_FAILURE_LIMIT: "1000000" });
  const doc: OpenApiDocument = (await h.service.app.inject({ method: "GET", url: "/docs/json" })).json();
  routes = routesOf(doc);
});
afterAll(async () => {
  if (counts.size > 0) {
    const table = [...counts].map(([route, c]) => ({ route, ...c }));
    console.log(`fuzz: ${RUNS} schema + ${ABUSE_RUNS} abuse requests per route`);
    console.table(table);
  }
  await h?.close();
});

function parse(payload: FuzzRequest["payload"]): unknown {
  try {
    return typeof payload === "string" ? JSON.parse(payload) : undefined;
  } catch {
    return undefined;
  }
}

/** A refusal: an error status, or a /kredivo envelope whose status is anything but 1 (Success). */
function refused(url: string, statusCode: number, body: string): boolean {
  if (statusCode >= 400) return true;
  if (!url.startsWith("/kredivo")) return false;
  const status = (parse(body) as { status?: unknown } | undefined)?.status;
  return typeof status === "number" && status !== 1;
}

/** The codes a /kredivo endpoint answers (CHECKOUT_ENDPOINT_CODES), found by its path without parameters. */
function kredivoCodes(route: Route): number[] {
  const endpoint = route.path.slice(CHECKOUT_MOUNT.length + 1).replace(/\/\{[^}]+\}/g, "");
  const codes = Object.entries(CHECKOUT_ENDPOINT_CODES).find(([name]) => name === endpoint)?.[1];
  if (!codes) throw new Error(`${route.name} is not in CHECKOUT_ENDPOINT_CODES`);
  return [...codes.seed, ...codes.ours];
}

async function send(route: Route, req: FuzzRequest): Promise<void> {
  const tally = counts.get(route.name) ?? { sent: 0, refused: 0 };
  counts.set(route.name, tally);
  tally.sent++;
  const before = await h.service.store.headPosition();
  const { res, what } = await injectFuzz(h.service.app, req);
  if (refused(req.url, res.statusCode, res.body)) {
    tally.refused++;
    if (req.onRoute && route.path.startsWith("/v1/") && res.statusCode < 500) {
      const code = (parse(res.body) as { code?: unknown } | undefined)?.code;
      expect(documentedCodes(route, res.statusCode), `a documented refusal: ${what}`).toContain(code);
    }
    if (req.onRoute && route.path.startsWith(`${CHECKOUT_MOUNT}/`)) {
      const { status, message } = (parse(res.body) ?? {}) as { status?: number; message?: string };
      expect(kredivoCodes(route), `a code the endpoint documents: ${what}`).toContain(status);
      expect(message, `the catalogue's message for ${status}: ${what}`).toBe(
        checkoutErrorEntry(status ?? 0)?.message,
      );
    }
    expect(await h.service.store.headPosition(), `a refused request appends nothing: ${what}`).toBe(before);
  } else {
    // Accepted: reactors and timers may append after it, so the next request starts from a quiet log.
    await quietHead(h.service.store, 100);
  }
}

describe("every route of the OpenAPI document, fuzzed", () => {
  it("covers the Checkout API and /v1", () => {
    const names = routes.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(["POST /kredivo/checkout/init", "POST /v1/repayments"]));
  });

  it(
    "never answers 5xx and never appends for a refused request",
    async () => {
      for (const route of routes) {
        for (const [arbitrary, numRuns] of [
          [schemaRequests(route, context), RUNS],
          [abuseRequests(route, context), ABUSE_RUNS],
        ] as const) {
          await fc.assert(
            fc.asyncProperty(arbitrary, (req) => send(route, req)),
            { numRuns, endOnFailure: true },
          );
        }
      }
    },
    60_000 + RUNS * 1_000,
  );
});
