import type { Logger } from "pino";
import { buildApp } from "./gateway/app.ts";
import { checkoutService } from "./gateway/checkout/checkout-service.ts";
import { creditLineReactions } from "./gateway/checkout/credit-line-reactor.ts";
import { seedSandbox } from "./gateway/checkout/sandbox.ts";
import { startTimerSweep } from "./gateway/checkout/timer-sweep.ts";
import { readiness } from "./gateway/readiness.ts";
import type { Config } from "./platform/config.ts";
import { SqliteEventStore } from "./platform/eventstore/sqlite-event-store.ts";
import { startReactor } from "./platform/reactor.ts";
import { SqliteReadStore } from "./platform/readstore/sqlite-read-store.ts";
import { ProjectionRunner } from "./projector/projection-runner.ts";
import { projections } from "./projector/projections/index.ts";

export interface RunningService {
  readonly url: string;
  /** Graceful: stop accepting, drain in-flight requests, flush projection checkpoints, close the store. */
  close(): Promise<void>;
}

/** Read-your-writes bound: a command's reply waits at most this long for the read models. */
const READ_YOUR_WRITES_MS = 2000;

/** Composes the embedded default: every role in one process over one SQLite file. */
export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const store = new SqliteEventStore({ path: config.eventStorePath });
  const readStore = new SqliteReadStore({ path: config.eventStorePath });
  const runner = new ProjectionRunner({ store, readStore, projections, logger });
  await runner.start();

  let publicBaseUrl = config.PUBLIC_BASE_URL ?? "";
  const checkout = checkoutService({
    store,
    readStore,
    waitForProjections: (position) => runner.waitFor(position, READ_YOUR_WRITES_MS),
    now: () => new Date(),
    get publicBaseUrl() {
      return publicBaseUrl;
    },
    confirmTimeoutSeconds: config.CONFIRM_TIMEOUT_SECONDS,
    checkoutExpirySeconds: config.CHECKOUT_EXPIRY_SECONDS,
    interestRates: config.INTEREST_RATES_BPS,
  });
  const seeded = await seedSandbox(checkout, config.SANDBOX_SERVER_KEY);
  if (seeded) await runner.waitFor(seeded, READ_YOUR_WRITES_MS);
  const reactor = await startReactor({
    name: "credit_line_reactor",
    store,
    readStore,
    logger,
    handle: creditLineReactions(checkout),
  });
  const timers = startTimerSweep(checkout, config.TIMER_SWEEP_MS, logger);

  const app = await buildApp({
    logger,
    readiness: readiness(store, readStore, config.READY_MAX_LAG),
    checkout,
  });
  const url = await app.listen({ port: config.PORT, host: config.HOST });
  publicBaseUrl ||= url;
  logger.info({ url, dataDir: config.DATA_DIR, sandboxServerKey: config.SANDBOX_SERVER_KEY }, "listening");

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= (async () => {
        await withTimeout(app.close(), config.SHUTDOWN_TIMEOUT_MS, () =>
          logger.warn({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, "in-flight requests did not drain in time"),
        );
        await timers.stop();
        await reactor.stop();
        await runner.stop();
        await store.close();
        await readStore.close();
      })();
      return closing;
    },
  };
}

async function withTimeout(work: Promise<unknown>, ms: number, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      resolve();
    }, ms);
  });
  await Promise.race([work, timeout]);
  clearTimeout(timer);
}
