import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { initExample } from "../../contracts/checkout/init.ts";
import type { CheckoutService } from "../../services/checkout/checkout-service.ts";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import type { App } from "../../services/http/app.ts";
import { type Config, loadConfig } from "../../services/platform/config.ts";
import type { EventStore } from "../../services/platform/eventstore/port.ts";
import type { ReadStore } from "../../services/platform/readstore/port.ts";
import { composeService } from "../../services/runtime/compose.ts";

// The embedded runtime, composed by services/runtime/compose.ts but not listening: the app is driven with
// inject(), the store answers the log head, and the service drives the hosted-page steps (sign in, OTP,
// approve) that the Checkout API itself does not expose.

export const SANDBOX_SERVER_KEY = "sandbox-server-key-9f2c4e1a7b3d";
export const PUBLIC_BASE_URL = "http://127.0.0.1:3000";

export interface CheckoutHarness {
  readonly app: App;
  readonly store: EventStore;
  /** The read models (same SQLite file). */
  readonly readStore: ReadStore;
  readonly checkout: CheckoutService;
  readonly config: Config;
  /** JSON log lines written by the app's logger. */
  readonly logs: Record<string, unknown>[];
  head(): Promise<string>;
  /**
   * The log head once nothing has been appended for a while: the credit-line reactor and the timer sweep
   * append on their own after a checkout changes, so "appended nothing" is measured from a quiet log.
   */
  quietHead(): Promise<string>;
  /** POST a JSON body (an object is serialised; a string is sent as it is) to `/kredivo<path>`. */
  post(
    path: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<{ statusCode: number; body: string; json(): unknown; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

export function testConfig(dataDir: string, overrides: Record<string, string> = {}): Config {
  return loadConfig({
    DATA_DIR: dataDir,
    PORT: "0",
    LOG_LEVEL: "silent",
    CONFIRM_TIMEOUT_SECONDS: "1",
    TIMER_SWEEP_MS: "50",
    ...overrides,
  });
}

export interface CheckoutHarnessOptions {
  /** The use cases' clock (composeService's test seam), e.g. to move business time forward. */
  readonly now?: () => Date;
  /** Extra environment for the config (API_KEYS, NOTIFY_* …). */
  readonly env?: Record<string, string>;
}

export async function startCheckoutHarness(options: CheckoutHarnessOptions = {}): Promise<CheckoutHarness> {
  const dir = mkdtempSync(join(tmpdir(), "ledger-checkout-"));
  const config = testConfig(dir, { PUBLIC_BASE_URL, ...options.env });
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const service = await composeService(config, logger, "all", { now: options.now });
  const { app, store, readStore } = service;
  const checkout = service.checkout!;
  await app.ready();

  return {
    app,
    store,
    readStore,
    checkout,
    config,
    logs,
    head: () => store.headPosition(),
    async quietHead() {
      const deadline = Date.now() + 5000;
      for (let last = await store.headPosition(); ; ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const now = await store.headPosition();
        if (now === last || Date.now() > deadline) return now;
        last = now;
      }
    },
    async post(path, body, headers = {}) {
      const payload = typeof body === "string" ? body : JSON.stringify(body);
      const res = await app.inject({
        method: "POST",
        url: `/kredivo${path}`,
        payload,
        headers: { "content-type": "application/json", ...headers },
      });
      return { statusCode: res.statusCode, body: res.body, json: () => res.json(), headers: res.headers };
    },
    async close() {
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The seed's 2-click request sent to the sandbox merchant with a fresh order_id. */
export function sampleInit(
  orderId: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    ...structuredClone(initExampleBody),
    server_key: SANDBOX_SERVER_KEY,
    order_id: orderId,
    ...overrides,
  };
}

const initExampleBody: Record<string, unknown> = initExample;

const caller = { actor: "test", correlationId: "test", causationId: "test" };

/** Drives the hosted page's steps with the sandbox buyer: sign in, OTP, approve with `tenure`. */
export async function approveAsSandboxBuyer(
  checkout: CheckoutService,
  transactionId: string,
  tenure: 1 | 3 | 6 | 12 = 1,
): Promise<void> {
  const signedIn = await checkout.signIn(transactionId, SANDBOX_BUYER.phone, SANDBOX_BUYER.pin, caller);
  if (!signedIn.session) throw new Error("sandbox sign-in failed");
  await checkout.verifyOtp(transactionId, signedIn.session, SANDBOX_BUYER.otp, caller);
  const approved = await checkout.approve(transactionId, signedIn.session, tenure, caller);
  if (approved.state.phase !== "pending") throw new Error(`approval ended in ${approved.state.phase}`);
}
