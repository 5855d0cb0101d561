import type { CheckoutService } from "../../services/checkout/checkout-service.ts";
import type { App } from "../../services/http/app.ts";
import { type Config, loadConfig } from "../../services/platform/config.ts";
import type { EventStore } from "../../services/platform/eventstore/port.ts";
import type { ReadStore } from "../../services/platform/readstore/port.ts";
import { approveAs } from "../support/buyers.ts";
import { statusRequest } from "../support/checkout-requests.ts";
import { quietHead } from "../support/events.ts";
import { composeInTempDir } from "../support/runtime.ts";

// The embedded runtime, composed by services/runtime/compose.ts but not listening: the app is driven with
// inject(), the store answers the log head, and the service drives the hosted-page steps (sign in, OTP,
// approve) that the Checkout API itself does not expose.

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
  /** The trx_status transaction/status answers the sandbox merchant. */
  trxStatus(transactionId: string): Promise<unknown>;
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
  const composed = await composeInTempDir(
    "ledger-checkout-",
    (dir) => testConfig(dir, { PUBLIC_BASE_URL, ...options.env }),
    { now: options.now },
  );
  const { app, store, readStore } = composed.service;
  const checkout = composed.service.checkout!;
  await app.ready();
  const post: CheckoutHarness["post"] = async (path, body, headers = {}) => {
    const payload = typeof body === "string" ? body : JSON.stringify(body);
    const res = await app.inject({
      method: "POST",
      url: `/kredivo${path}`,
      payload,
      headers: { "content-type": "application/json", ...headers },
    });
    return { statusCode: res.statusCode, body: res.body, json: () => res.json(), headers: res.headers };
  };

  return {
    app,
    store,
    readStore,
    checkout,
    config: composed.config,
    logs: composed.logs,
    head: () => store.headPosition(),
    quietHead: () => quietHead(store, 100),
    post,
    async trxStatus(transactionId) {
      const res = await post("/transaction/status", statusRequest(transactionId));
      return (res.json() as { trx_status?: unknown }).trx_status;
    },
    close: composed.close,
  };
}

/** Drives the hosted page's steps with the sandbox buyer: sign in, OTP, approve with `tenure`. */
export async function approveAsSandboxBuyer(
  checkout: CheckoutService,
  transactionId: string,
  tenure: 1 | 3 | 6 | 12 = 1,
): Promise<void> {
  const phase = await approveAs({ checkout }, transactionId, undefined, tenure);
  if (phase !== "pending") throw new Error(`approval ended in ${phase}`);
}
