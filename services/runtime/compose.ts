import type { Logger } from "pino";
import { type CheckoutService, checkoutService } from "../checkout/checkout-service.ts";
import { creditLineReactions } from "../checkout/credit-line-reactor.ts";
import { payoutPaidReactions } from "../checkout/payout-paid-reactor.ts";
import { seedSandbox } from "../checkout/sandbox.ts";
import { startTimerSweep } from "../checkout/timer-sweep.ts";
import { repaymentService } from "../credit/repayment-service.ts";
import { financeApiOptions } from "../finance/index.ts";
import { waitForJournal } from "../finance/queries.ts";
import { type App, buildApp } from "../http/app.ts";
import { readiness } from "../http/readiness.ts";
import { type Notifier, startNotifier } from "../notifier/index.ts";
import type { Config } from "../platform/config.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import { startReactor } from "../platform/reactor.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import { openEventStore, openReadStore, storeLabel } from "../platform/stores.ts";
import { ProjectionRunner } from "../projector/projection-runner.ts";
import { waitForReadModels } from "../projector/wait-for-read-models.ts";
import { ReadStorePublisherCheckpoint } from "../publisher/checkpoint.ts";
import { startPublisher } from "../publisher/publisher.ts";
import { projections } from "./projections.ts";

export const ROLES = ["all", "gateway", "projector", "publisher", "notifier"] as const;
export type Role = (typeof ROLES)[number];

/** A composed role, not yet listening: tests drive `app` with inject() and reach the parts directly. */
export interface ComposedService {
  readonly app: App;
  readonly store: EventStore;
  readonly readStore: ReadStore;
  readonly checkout: CheckoutService | undefined;
  readonly runner: ProjectionRunner | undefined;
  readonly notifier: Notifier | undefined;
  /** The base of checkout_url when PUBLIC_BASE_URL is not set: the address the server listens on. */
  setPublicBaseUrl(url: string): void;
  /** Graceful: stop accepting, drain in-flight requests, stop workers (checkpoints flushed), close the stores. */
  close(): Promise<void>;
}

export interface RunningService {
  readonly url: string;
  close(): Promise<void>;
}

/** Read-your-writes bound: a command's reply waits at most this long for the read models. */
const READ_YOUR_WRITES_MS = 2000;
/** How long a payout run or an as-of query waits for the journal to reach the position it needs. */
const FINANCE_WAIT_MS = 10_000;

/**
 * Composes one role, or all of them (the embedded default: one process over one SQLite file).
 * Every role serves /healthz and /readyz; the gateway adds the APIs.
 */
export async function startService(
  config: Config,
  logger: Logger,
  role: Role = "all",
): Promise<RunningService> {
  const service = await composeService(config, logger, role);
  const url = await service.app.listen({ port: config.PORT, host: config.HOST });
  service.setPublicBaseUrl(url);
  logger.info(
    {
      url,
      role,
      dataDir: config.DATA_DIR,
      sandboxServerKey: service.checkout ? config.SANDBOX_SERVER_KEY : undefined,
    },
    "listening",
  );
  return { url, close: () => service.close() };
}

/** Test seams of composeService; production passes none. */
export interface ComposeOverrides {
  /** The clock of the use cases (business time of commands); default the system clock. */
  readonly now?: () => Date;
}

export async function composeService(
  config: Config,
  logger: Logger,
  role: Role = "all",
  overrides: ComposeOverrides = {},
): Promise<ComposedService> {
  const now = overrides.now ?? (() => new Date());
  const runs = (r: Role) => role === "all" || role === r;
  const store = await connect(logger, storeLabel(config, "event"), () => openEventStore(config));
  const readStore = await connect(logger, storeLabel(config, "read"), async () => {
    const opened = openReadStore(config);
    await opened.projectionStates();
    return opened;
  });
  const stops: (() => Promise<void>)[] = [];

  let runner: ProjectionRunner | undefined;
  if (runs("projector")) {
    runner = new ProjectionRunner({ store, readStore, projections, logger });
    await runner.start();
    stops.push(() => runner!.stop());
  }

  let publicBaseUrl = config.PUBLIC_BASE_URL ?? "";
  const waitForProjections = runner
    ? (position: string) => runner.waitFor(position, READ_YOUR_WRITES_MS)
    : waitForReadModels({ readStore, store, projections, timeoutMs: READ_YOUR_WRITES_MS });
  const checkout = runs("gateway")
    ? checkoutService({
        store,
        readStore,
        waitForProjections,
        now,
        get publicBaseUrl() {
          return publicBaseUrl;
        },
        confirmTimeoutSeconds: config.CONFIRM_TIMEOUT_SECONDS,
        checkoutExpirySeconds: config.CHECKOUT_EXPIRY_SECONDS,
        interestRates: config.INTEREST_RATES_BPS,
      })
    : undefined;
  if (checkout) {
    const seeded = await seedSandbox(checkout, config.SANDBOX_SERVER_KEY);
    if (seeded) await waitForProjections(seeded);
    const timers = startTimerSweep(checkout, config.TIMER_SWEEP_MS, logger);
    stops.push(() => timers.stop());
  }
  if (runner) {
    const reactor = await startReactor({
      name: "credit_line_reactor",
      store,
      readStore,
      logger,
      handle: creditLineReactions(store),
    });
    stops.push(() => reactor.stop());
  }
  if (runner) {
    // PayoutMade → the covered checkouts are marked Paid.
    const paid = await startReactor({
      name: "payout_paid_reactor",
      store,
      readStore,
      logger,
      handle: payoutPaidReactions(store),
    });
    stops.push(() => paid.stop());
  }

  const notifier = runs("notifier")
    ? await startNotifier({
        store,
        readStore,
        logger,
        timeoutMs: config.NOTIFY_TIMEOUT_MS,
        schedule: {
          firstRetryMs: config.NOTIFY_FIRST_RETRY_MS,
          maxRetryMs: config.NOTIFY_MAX_RETRY_MS,
          maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
          giveUpAfterMs: config.NOTIFY_GIVE_UP_AFTER_MS,
        },
      })
    : undefined;
  if (notifier) stops.push(() => notifier.stop());

  if (runs("publisher") && config.KAFKA_BROKERS.length > 0) {
    const publisher = await startPublisher({
      store,
      checkpoint: new ReadStorePublisherCheckpoint(readStore),
      brokers: config.KAFKA_BROKERS,
      logger,
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      partitions: config.KAFKA_TOPIC_PARTITIONS,
      retentionMs: config.KAFKA_RETENTION_MS,
    });
    stops.push(() => publisher.stop());
  }

  const app = await buildApp({
    logger,
    readiness: readiness(store, readStore, config.READY_MAX_LAG),
    checkout,
    notifications: notifier ? { notifier, readStore } : undefined,
    repayments: checkout
      ? {
          service: repaymentService({ store, now, waitForProjections: checkout.waitForProjections }),
          readStore,
        }
      : undefined,
    finance: runs("gateway")
      ? financeApiOptions({
          store,
          readStore,
          // In process the runner knows at once; otherwise the journal's checkpoint is polled.
          waitForJournal: runner
            ? (position) => runner.waitFor(position, FINANCE_WAIT_MS)
            : waitForJournal(readStore, FINANCE_WAIT_MS),
          now,
        })
      : undefined,
    apiKeys: config.API_KEYS,
  });
  let closing: Promise<void> | undefined;
  return {
    app,
    store,
    readStore,
    checkout,
    runner,
    notifier,
    setPublicBaseUrl(url) {
      publicBaseUrl ||= url;
    },
    close() {
      closing ??= (async () => {
        await withTimeout(app.close(), config.SHUTDOWN_TIMEOUT_MS, () =>
          logger.warn({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, "in-flight requests did not drain in time"),
        );
        for (const stop of stops.reverse()) await stop();
        await store.close();
        await readStore.close();
      })();
      return closing;
    },
  };
}

/** A store that cannot be reached at start is retried with backoff, saying which one, until it answers. */
async function connect<T extends EventStore | ReadStore>(
  logger: Logger,
  label: string,
  open: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await open();
    } catch (error) {
      const delayMs = Math.min(30_000, 250 * 2 ** attempt);
      logger.warn(
        { store: label, err: error, attempt, retryInMs: delayMs },
        `cannot reach ${label}; retrying`,
      );
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
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
