import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pino from "pino";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { expect } from "vitest";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { loadConfig } from "../../services/platform/config.ts";
import { type RunningService, startService } from "../../services/runtime/compose.ts";
import { kredivo } from "./kredivo-http.ts";

// What the end-to-end tests in a real browser share: Debian's Chromium (/usr/bin/chromium), driven by
// playwright-core (no browser is ever downloaded), the service as production starts it, and the merchant's
// side as a real HTTP server.

const CHROMIUM = "/usr/bin/chromium";
export const ARTIFACTS = resolve(import.meta.dirname, "../artifacts");

/** Whether Chromium is installed; when not, says that `suite` is skipped and why. */
export function chromiumPresent(suite: string): boolean {
  const present = existsSync(CHROMIUM);
  if (!present) {
    console.warn(
      `${suite}: SKIPPED, no Chromium at ${CHROMIUM} (install it with: apt-get install -y chromium)`,
    );
  }
  return present;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
    ],
  });
}

/** The merchant's side: a real HTTP server on 127.0.0.1 taking pushes and serving the landing pages. */
export async function startMerchant() {
  const pushes: { headers: IncomingMessage["headers"]; body: string }[] = [];
  const landings: string[] = [];
  /** Tokenization callbacks (user/tokenize/init's callback_url), acknowledged with {"status": 9100}. */
  const callbacks: { headers: IncomingMessage["headers"]; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://merchant").pathname;
      if (req.method === "POST" && path === "/push") {
        pushes.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(200, { "content-type": "application/json" }).end('{"status":"OK"}');
        return;
      }
      if (req.method === "POST" && path === "/tokenize/callback") {
        callbacks.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(200, { "content-type": "application/json" }).end('{"status":9100,"message":"Success"}');
        return;
      }
      if (req.method === "GET" && (path === "/back" || path === "/cancel")) {
        landings.push(path);
        const title = path === "/back" ? "Back at the store" : "Checkout cancelled at the store";
        res
          .writeHead(200, { "content-type": "text/html; charset=utf-8" })
          .end(
            `<!doctype html><meta name="viewport" content="width=device-width"><title>${title}</title><h1>${title}</h1>`,
          );
        return;
      }
      if (path === "/favicon.ico") {
        res.writeHead(204).end();
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    pushes,
    landings,
    callbacks,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export type Merchant = Awaited<ReturnType<typeof startMerchant>>;

export interface E2eWorldOptions {
  /** More configuration for the service (API_KEYS …). */
  readonly env?: Record<string, string>;
  /** Whether the merchant's server runs; default yes. */
  readonly merchant?: boolean;
}

/** What an end-to-end suite drives: the service over HTTP, the merchant's server and Chromium. */
export interface E2eWorld<M extends Merchant | undefined = Merchant> {
  /** The service's DATA_DIR, removed by close(). */
  readonly dir: string;
  readonly service: RunningService;
  readonly merchant: M;
  readonly browser: Browser;
  /** Closes the browser, the merchant's server and the service (the reverse of the start), then removes dir. */
  close(): Promise<void>;
}

/**
 * The service started as production starts it (startService, on a free port) on a fresh DATA_DIR named after
 * `prefix`, the merchant's server unless `{ merchant: false }`, and Chromium; the screenshots' folder exists.
 */
export function startE2eWorld(
  prefix: string,
  options?: E2eWorldOptions & { merchant?: true },
): Promise<E2eWorld>;
export function startE2eWorld(
  prefix: string,
  options: E2eWorldOptions & { merchant: false },
): Promise<E2eWorld<undefined>>;
export async function startE2eWorld(
  prefix: string,
  options: E2eWorldOptions = {},
): Promise<E2eWorld<Merchant | undefined>> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(ARTIFACTS, { recursive: true });
  const started: { service?: RunningService; merchant?: Merchant; browser?: Browser } = {};
  const close = async () => {
    await started.browser?.close();
    await started.merchant?.close();
    await started.service?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    started.service = await startService(
      loadConfig({ DATA_DIR: dir, PORT: "0", LOG_LEVEL: "silent", ...options.env }),
      pino({ level: "silent" }),
    );
    if (options.merchant !== false) started.merchant = await startMerchant();
    started.browser = await launchChromium();
    return { dir, service: started.service, merchant: started.merchant, browser: started.browser, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A phone-sized page (390×844, touch) that collects its problems: console errors (CSP), page errors, 4xx/5xx. */
export async function openPhonePage(browser: Browser, shotPrefix: string) {
  const context: BrowserContext = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: "en-US",
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text()); // CSP violations are reported here
  });
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
  });
  /** A full-page screenshot in test/artifacts, named `<shotPrefix>-<name>.png`. */
  const shot = (name: string) =>
    page.screenshot({ path: join(ARTIFACTS, `${shotPrefix}-${name}.png`), fullPage: true });
  return { context, page, problems, shot };
}

/** Submits the form `form` (a selector) and waits until the browser is at `url`. */
export const submit = (page: Page, form: string, url: RegExp | string) =>
  Promise.all([page.waitForURL(url), page.click(`${form} button[type=submit]`)]);

export type PartnerApp = Awaited<ReturnType<typeof startPartnerApp>>;

/** Signs in on the hosted page (or the tokenization page) as `buyer` and waits until the browser is at `next`. */
export async function signIn(
  page: Page,
  next: RegExp = /\/kredivo\/signIn\?tk=/,
  buyer: { phone: string; pin: string } = SANDBOX_BUYER,
) {
  await page.fill("#phone", buyer.phone);
  await page.fill("#pin", buyer.pin);
  await submit(page, "#sign-in", next);
}

/** POST /kredivo<path> on the service at `url`, which must answer 200: its JSON. */
export async function kredivoOk(url: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const { httpStatus, json } = await kredivo(url, path, body);
  if (httpStatus === 404)
    throw new Error(`POST /kredivo${path} is not served: this test needs the Checkout API routes`);
  expect(httpStatus).toBe(200);
  return json;
}

/** The partner's app (the deep links' target): answers every path with a page and records the paths asked. */
export async function startPartnerApp() {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(request.url ?? "");
    response.writeHead(200, { "content-type": "text/html" }).end("<h1>partner app</h1>");
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
