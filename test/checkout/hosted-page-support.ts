import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { z } from "zod";
import type { CheckoutService } from "../../services/checkout/checkout-service.ts";
import { checkoutHttp } from "../../services/checkout/index.ts";
import { type App, buildApp } from "../../services/http/app.ts";
import { readiness } from "../../services/http/readiness.ts";
import { loadConfig } from "../../services/platform/config.ts";
import { SqliteEventStore } from "../../services/platform/eventstore/sqlite-event-store.ts";
import { SqliteReadStore } from "../../services/platform/readstore/sqlite-read-store.ts";
import { SANDBOX_SERVER_KEY, sampleInit } from "../support/checkout-requests.ts";
import { formAction, hiddenFields } from "../support/html-forms.ts";
import { pageBrowser, setCookiesOf } from "../support/page-browser.ts";
import { initThroughService, startSandboxCheckout } from "../support/runtime.ts";

// The embedded runtime's pieces for the hosted-page tests, composed as services/runtime/compose.ts does but with
// the checkout service in reach: pages are driven with inject(), the log is asked through checkout.page().

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
  const store = new SqliteEventStore({ path: config.eventStorePath });
  const readStore = new SqliteReadStore({ path: config.eventStorePath });
  const { checkout, runner } = await startSandboxCheckout(store, readStore, SANDBOX_SERVER_KEY);
  const app = await buildApp({
    logger: pino({ level: "silent" }),
    readiness: readiness(store, readStore, 10_000),
    mounts: [checkoutHttp(checkout, { readStore, leaseMs: config.IDEMPOTENCY_LEASE_MS })],
  });
  await app.ready();
  return {
    app,
    checkout,
    init: (overrides = {}) => initThroughService(checkout, sampleInit(`HP-${randomUUID()}`, overrides)),
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
 * One browser on the hosted page: pageBrowser's cookies (Max-Age=0 deletes), and forms filled from the last
 * HTML page's hidden fields, as a browser would.
 */
export function browser(app: App, headers: Record<string, string> = {}) {
  const pages = pageBrowser(app, headers);
  let last = "";

  async function request(method: "GET" | "POST", url: string, form?: Record<string, string>) {
    const res = await pages.request(method, url, form);
    const parsed = formResponse.parse({ statusCode: res.statusCode, body: res.body, headers: res.headers });
    if (res.headers["content-type"]?.toString().startsWith("text/html")) last = res.body;
    return { ...parsed, setCookies: setCookiesOf(res) };
  }

  return {
    jar: pages.jar,
    get: (url: string) => request("GET", url),
    /** POST to a form of the last page (by its id), with its hidden fields plus `fields`. */
    submit(formId: string, fields: Record<string, string> = {}, extra: { omitCsrf?: boolean } = {}) {
      const action = formAction(last, formId);
      return request("POST", action, { ...hiddenFields(last, extra.omitCsrf ? ["csrf"] : []), ...fields });
    },
    post: (url: string, form: Record<string, string>) => request("POST", url, form),
    lastPage: () => last,
  };
}

export const pageUrl = (transactionId: string, query = "") => `/kredivo/signIn?tk=${transactionId}${query}`;
