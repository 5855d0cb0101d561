import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { initEcomRequestSchema } from "../../contracts/checkout/init.ts";
import { type CheckoutService, checkoutService } from "../../services/checkout/checkout-service.ts";
import { seedSandbox } from "../../services/checkout/sandbox.ts";
import { DEFAULT_INTEREST_RATES } from "../../services/ledger/loan/loan-terms.ts";
import { testCaller } from "../../services/ledger/testing/decider-spec.ts";
import type { Config } from "../../services/platform/config.ts";
import type { EventStore } from "../../services/platform/eventstore/port.ts";
import { otpCodes } from "../../services/platform/otp/otp-codes.ts";
import { sandboxOtpSender } from "../../services/platform/otp/sandbox-otp-sender.ts";
import type { ReadStore } from "../../services/platform/readstore/port.ts";
import { ProjectionRunner } from "../../services/projector/projection-runner.ts";
import {
  type ComposedService,
  type ComposeOverrides,
  composeService,
} from "../../services/runtime/compose.ts";
import { projections } from "../../services/runtime/projections.ts";
import { SANDBOX_DEALER_CODES } from "./checkout-requests.ts";
import { developmentSecrets } from "./secrets.ts";

// The runtime in this process: composed as services/runtime/compose.ts does it, for tests that drive it with
// inject() or over HTTP, or just its checkout use cases over a store pair, for tests that look underneath.

export interface ComposedInTempDir {
  readonly service: ComposedService;
  readonly config: Config;
  readonly dir: string;
  /** JSON log lines written by the runtime's logger (level info). */
  readonly logs: Record<string, unknown>[];
  /** Closes the runtime and removes its DATA_DIR. */
  close(): Promise<void>;
}

/** Every role composed on a fresh DATA_DIR (named after `prefix`) with the config `configFor` makes for it. */
export async function composeInTempDir(
  prefix: string,
  configFor: (dir: string) => Config,
  overrides: ComposeOverrides = {},
): Promise<ComposedInTempDir> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const config = configFor(dir);
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const service = await composeService(config, logger, "all", overrides);
  return {
    service,
    config,
    dir,
    logs,
    async close() {
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The read models' projection runner and the checkout use cases over `store` and `readStore`, with the
 * sandbox merchant (`serverKey`) and buyer seeded and projected: the Checkout API without its HTTP shell.
 */
export async function startSandboxCheckout(
  store: EventStore,
  readStore: ReadStore,
  serverKey: string,
): Promise<{ checkout: CheckoutService; runner: ProjectionRunner }> {
  const runner = new ProjectionRunner({ store, readStore, projections, logger: pino({ level: "silent" }) });
  await runner.start();
  const checkout = checkoutService({
    otpCodes: otpCodes({
      readStore,
      sender: sandboxOtpSender(),
      now: () => new Date(),
      ttlSeconds: 300,
      maxPerWindow: 5,
      windowSeconds: 900,
    }),
    store,
    readStore,
    secrets: developmentSecrets(readStore),
    waitForProjections: (position) => runner.waitFor(position, 5000),
    now: () => new Date(),
    publicBaseUrl: "http://127.0.0.1:3000",
    confirmTimeoutSeconds: 30,
    checkoutExpirySeconds: 3600,
    interestRates: DEFAULT_INTEREST_RATES,
    zeroClickRisk: { maxAmountMinor: 10_000_000n, maxCheckoutsInWindow: 5, windowSeconds: 86_400 },
  });
  const seeded = await seedSandbox(checkout, { serverKey, dealerCodes: SANDBOX_DEALER_CODES });
  if (seeded) await runner.waitFor(seeded, 5000);
  return { checkout, runner };
}

/** checkout/init through the use case, as the route does after parsing: answers the transaction id. */
export async function initThroughService(checkout: CheckoutService, body: Record<string, unknown>) {
  return (await checkout.init(initEcomRequestSchema.parse(body), testCaller)).transactionId;
}
