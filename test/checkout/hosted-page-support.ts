import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { z } from "zod";
import { initEcomRequestSchema, initExample } from "../../contracts/checkout/init.ts";
import { type CheckoutService, checkoutService } from "../../services/checkout/checkout-service.ts";
import { checkoutHttp } from "../../services/checkout/index.ts";
import { seedSandbox } from "../../services/checkout/sandbox.ts";
import { type App, buildApp } from "../../services/http/app.ts";
import { readiness } from "../../services/http/readiness.ts";
import { loadConfig } from "../../services/platform/config.ts";
import { SqliteEventStore } from "../../services/platform/eventstore/sqlite-event-store.ts";
import { SqliteReadStore } from "../../services/platform/readstore/sqlite-read-store.ts";
import { ProjectionRunner } from "../../services/projector/projection-runner.ts";
import { projections } from "../../services/runtime/projections.ts";

// The embedded runtime's pieces for the hosted-page tests, composed as services/runtime/compose.ts does but with
// the checkout service in reach: pages are driven with inject(), the log is asked through checkout.page().

export const SANDBOX_SERVER_KEY = "sandbox-server-key-9f2c4e1a7b3d";
const caller = { actor: "test:merchant", correlationId: "hosted-page-test", causationId: "hosted-page-test" };

export interface HostedPageHarness {
  readonly app: App;
  readonly checkout: CheckoutService;
  /** Starts a checkout for the sandbox merchant: the seed's 2-click example with a fresh order_id. */
  init(overrides?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export async function startHostedPageHarness(): Promise<HostedPageHarness> {
  const dir = mkdtempSync(join(tmpdir(), "ledger-hosted-page-"));
  const config = loadConfig({ DATA_DIR: dir, PORT: "0", LOG_LEVEL: "silent" });
  const logger = pino({ level: "silent" });
  const store = new SqliteEventStore({ path: config.eventStorePath });
  const readStore = new SqliteReadStore({ path: config.eventStorePath });
  const runner = new ProjectionRunner({ store, readStore, projections, logger });
  await runner.start();
  const checkout = checkoutService({
    store,
    readStore,
    waitForProjections: (position) => runner.waitFor(position, 2000),
    now: () => new Date(),
    publicBaseUrl: "http://127.0.0.1:3000",
    confirmTimeoutSeconds: config.CONFIRM_TIMEOUT_SECONDS,
    checkoutExpirySeconds: config.CHECKOUT_EXPIRY_SECONDS,
    interestRates: config.INTEREST_RATES_BPS,
  });
  const seeded = await seedSandbox(checkout, SANDBOX_SERVER_KEY);
  if (seeded) await runner.waitFor(seeded, 2000);
  const app = await buildApp({
    logger,
    readiness: readiness(store, readStore, 10_000),
    mounts: [checkoutHttp(checkout, { readStore, leaseMs: config.IDEMPOTENCY_LEASE_MS })],
  });
  await app.ready();
  return {
    app,
    checkout,
    async init(overrides = {}) {
      const request = initEcomRequestSchema.parse({
        ...structuredClone(initExample),
        server_key: SANDBOX_SERVER_KEY,
        order_id: `HP-${randomUUID()}`,
        ...overrides,
      });
      return (await checkout.init(request, caller)).transactionId;
    },
    async close() {
      await app.close();
      await runner.stop();
      await store.close();
      await readStore.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const formResponse = z.object({
  statusCode: z.number(),
  body: z.string(),
  headers: z.record(z.string(), z.unknown()),
});
export type PageResponse = z.infer<typeof formResponse> & { readonly setCookies: readonly string[] };

/**
 * One browser: keeps the cookies the page sets (honouring Max-Age=0 deletion), sends them back, and
 * fills forms from the last page's hidden fields, as a browser would.
 */
export function browser(app: App, headers: Record<string, string> = {}) {
  const jar = new Map<string, string>();
  let last = "";

  const remember = (setCookie: unknown): string[] => {
    const lines = Array.isArray(setCookie) ? setCookie.map(String) : setCookie ? [String(setCookie)] : [];
    for (const line of lines) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      if (/;\s*Max-Age=0(;|$)/i.test(line)) jar.delete(name);
      else jar.set(name, pair.slice(eq + 1));
    }
    return lines;
  };

  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");

  async function request(method: "GET" | "POST", url: string, form?: Record<string, string>) {
    const res = await app.inject({
      method,
      url,
      headers: {
        ...(jar.size > 0 ? { cookie: cookieHeader() } : {}),
        ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        ...headers,
      },
      ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
    });
    const parsed = formResponse.parse({ statusCode: res.statusCode, body: res.body, headers: res.headers });
    const setCookies = remember(res.headers["set-cookie"]);
    if (res.headers["content-type"]?.toString().startsWith("text/html")) last = res.body;
    return { ...parsed, setCookies };
  }

  return {
    jar,
    get: (url: string) => request("GET", url),
    /** POST to a form of the last page (by its id), with its hidden fields plus `fields`. */
    submit(formId: string, fields: Record<string, string> = {}, extra: { omitCsrf?: boolean } = {}) {
      const form = new RegExp(`<form method="post" action="([^"]+)"[^>]*id="${formId}"[^>]*>`).exec(last);
      const action = form?.[1];
      if (!action) throw new Error(`no form ${formId} on the last page`);
      return request("POST", decodeEntities(action), { ...hiddenFields(last, extra.omitCsrf), ...fields });
    },
    post: (url: string, form: Record<string, string>) => request("POST", url, form),
    lastPage: () => last,
  };
}

function hiddenFields(page: string, omitCsrf = false): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    if (m[1] === "csrf" && omitCsrf) continue;
    fields[m[1]!] = decodeEntities(m[2]!);
  }
  return fields;
}

function decodeEntities(text: string): string {
  return text
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&#96;", "`")
    .replaceAll("&amp;", "&");
}

export const pageUrl = (transactionId: string, query = "") => `/kredivo/signIn?tk=${transactionId}${query}`;
