import type { Logger } from "pino";
import type { CheckoutService } from "../checkout/index.ts";
import { type App, buildApp, type HttpMount } from "../http/app.ts";
import { readiness } from "../http/readiness.ts";
import type { KredmintService } from "../kredmint/index.ts";
import type { Notifier } from "../notifier/index.ts";
import type { Config } from "../platform/config.ts";
import { appendMetrics } from "../platform/eventstore/append-metrics.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import { type MetricsRegistry, metricsRegistry } from "../platform/metrics.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import { configuredKeyring } from "../platform/secrets/keyring.ts";
import { readStoreSecrets } from "../platform/secrets/read-store-secrets.ts";
import { openEventStore, openReadStore, storeLabel } from "../platform/stores.ts";
import type { ProjectionRunner } from "../projector/projection-runner.ts";
import { waitForReadModels } from "../projector/wait-for-read-models.ts";
import { killAfterAppend } from "./fault-seam.ts";
import { FINANCE_WAIT_MS, startGatewayRole } from "./gateway.ts";
import { startNotifierRole } from "./notifier.ts";
import { projections } from "./projections.ts";
import { startProjectorRole } from "./projector.ts";
import { startPublisherRole } from "./publisher.ts";
import type { Role, RoleContext, Started } from "./role.ts";

export { ROLES, type Role } from "./role.ts";

/** A composed role, not yet listening: tests drive `app` with inject() and reach the parts directly. */
export interface ComposedService {
  readonly app: App;
  readonly store: EventStore;
  readonly readStore: ReadStore;
  readonly checkout: CheckoutService | undefined;
  readonly kredmint: KredmintService | undefined;
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
      sandboxPartner: service.kredmint
        ? { partnerId: config.SANDBOX_PARTNER_ID, secret: config.SANDBOX_PARTNER_SECRET }
        : undefined,
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
  const runs = (r: Role) => role === "all" || role === r;
  const metrics = metricsRegistry();
  const { store, readStore, seamMount } = await openStores(config, logger, metrics);
  const now = overrides.now ?? (() => new Date());
  const secrets = readStoreSecrets(readStore, configuredKeyring(config), now);
  const context: RoleContext = { config, logger, store, readStore, secrets, now, metrics };
  const started: Started[] = [];

  const projector = runs("projector") ? await startProjectorRole(context) : undefined;
  if (projector) started.push(projector);
  const runner = projector?.runner;

  let publicBaseUrl = config.PUBLIC_BASE_URL ?? "";
  const gateway = runs("gateway")
    ? await startGatewayRole(context, {
        waitForProjections: runner
          ? (position) => runner.waitFor(position, READ_YOUR_WRITES_MS)
          : waitForReadModels({ readStore, store, projections, timeoutMs: READ_YOUR_WRITES_MS }),
        ...(runner
          ? { waitForJournal: (position: string) => runner.waitFor(position, FINANCE_WAIT_MS) }
          : {}),
        publicBaseUrl: () => publicBaseUrl,
      })
    : undefined;
  if (gateway) started.push(gateway);
  const notifier = runs("notifier") ? await startNotifierRole(context) : undefined;
  if (notifier) started.push(notifier);
  if (runs("publisher")) started.push(await startPublisherRole(context));

  const app = await buildApp({
    logger,
    readiness: readiness(store, readStore, config.READY_MAX_LAG),
    metrics: { registry: metrics, apiKeys: config.API_KEYS },
    authFailures: { limit: config.AUTH_FAILURE_LIMIT, windowMs: config.AUTH_FAILURE_WINDOW_MS },
    now: () => now().getTime(),
    mounts: [...(seamMount ? [seamMount] : []), ...started.flatMap((part) => part.mounts)],
  });
  const stops = started.flatMap((part) => part.stops);
  let closing: Promise<void> | undefined;
  return {
    app,
    store,
    readStore,
    checkout: gateway?.checkout,
    kredmint: gateway?.kredmint,
    runner,
    notifier: notifier?.notifier,
    setPublicBaseUrl(url) {
      publicBaseUrl ||= url;
    },
    close() {
      closing ??= closeGracefully({ app, stops, store, readStore, config, logger });
      return closing;
    },
  };
}

/** Both stores, each retried until it answers; the event store wrapped in the test seam when it is set. */
async function openStores(
  config: Config,
  logger: Logger,
  metrics: MetricsRegistry,
): Promise<{ store: EventStore; readStore: ReadStore; seamMount: HttpMount | undefined }> {
  const observer = appendMetrics(metrics);
  const seam = killAfterAppend(
    await connect(logger, storeLabel(config, "event"), () => openEventStore(config, observer)),
    config.FAULT_KILL_AFTER_APPEND,
  );
  const readStore = await connect(logger, storeLabel(config, "read"), async () => {
    const opened = openReadStore(config);
    await opened.projectionStates();
    return opened;
  });
  return { store: seam.store, readStore, seamMount: seam.mount };
}

/** Stop accepting and drain in-flight requests (bounded), stop the roles' work in reverse, close the stores. */
async function closeGracefully(parts: {
  app: App;
  stops: readonly (() => Promise<void>)[];
  store: EventStore;
  readStore: ReadStore;
  config: Config;
  logger: Logger;
}): Promise<void> {
  const { app, config, logger } = parts;
  await withTimeout(app.close(), config.SHUTDOWN_TIMEOUT_MS, () =>
    logger.warn({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, "in-flight requests did not drain in time"),
  );
  for (const stop of [...parts.stops].reverse()) await stop();
  await parts.store.close();
  await parts.readStore.close();
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
