import type { HttpMount } from "../http/app.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import type { MetricsRegistry } from "../platform/metrics.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import { notifierMetrics } from "./metrics.ts";
import { type NotifierLogger, Outbox } from "./outbox.ts";
import { type NotifierRoutesOptions, notifierRoutes } from "./routes.ts";
import { DEFAULT_TIMEOUT_MS, type RetrySchedule, resolveSchedule } from "./schedule.ts";
import { type DeliverySource, sourceRegistry } from "./source.ts";
import { NotifierStore, type ReplayResult, replayDelivery } from "./store.ts";
import { DeliveryWorker } from "./worker.ts";

export type { NotifierLogger } from "./outbox.ts";
export {
  ANY_2XX,
  jsonStatusReply,
  type Reply,
  type ReplyRule,
  STATUS_9100_REPLY,
  STATUS_OK_REPLY,
} from "./reply-rules.ts";
export { DEFAULT_SCHEDULE, DEFAULT_TIMEOUT_MS, type RetrySchedule } from "./schedule.ts";
export { webhookSignature } from "./send.ts";
export type { DeliveryEvent, DeliveryRequest, DeliverySource } from "./source.ts";
export { NOTIFIER, NOTIFIER_TABLES } from "./tables.ts";

export interface NotifierOptions {
  readonly store: EventStore;
  readonly readStore: ReadStore;
  /** What to deliver: each product's sources (which events, the request, the reply rule). */
  readonly sources: readonly DeliverySource[];
  readonly logger: NotifierLogger;
  readonly now?: () => Date;
  /** Overrides of DEFAULT_SCHEDULE (first retry ≤ 10 s, doubling, capped at 1 h, given up after 3 days). */
  readonly schedule?: Partial<RetrySchedule>;
  /** Per-attempt timeout, connection to last byte of the reply. */
  readonly timeoutMs?: number;
  /** Sends in flight at most. */
  readonly concurrency?: number;
  /** Where its metrics go (README "Metrics"); none without it. */
  readonly metrics?: MetricsRegistry;
}

export interface Notifier {
  /** Stops following the log and interrupts sends in flight; what is undelivered goes out after a restart. */
  stop(): Promise<void>;
  /** Look for due deliveries now. */
  wake(): void;
  /** Resolves once the log head (as of the call) is recorded and nothing is due or in flight. For tests. */
  idle(): Promise<void>;
  /** A dead letter back to pending with its attempts reset (its past attempts stay on record). */
  replay(deliveryId: string): Promise<ReplayResult>;
}

/**
 * Deliveries driven by the log (DESIGN.md "Notifications"): the outbox records one per event a source
 * delivers, the worker sends and retries them.
 */
export async function startNotifier(options: NotifierOptions): Promise<Notifier> {
  const now = options.now ?? (() => new Date());
  const concurrency = options.concurrency ?? 8;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new Error("concurrency must be ≥ 1");
  const sources = sourceRegistry(options.sources);
  const deliveries = await NotifierStore.open(options.readStore);
  const worker = new DeliveryWorker({
    sources,
    deliveries,
    logger: options.logger,
    now,
    schedule: resolveSchedule(options.schedule),
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    concurrency,
    ...(options.metrics
      ? {
          onAttempt: notifierMetrics(options.metrics, { store: options.store, readStore: options.readStore }),
        }
      : {}),
  });
  const outbox = new Outbox({
    store: options.store,
    sources,
    deliveries,
    logger: options.logger,
    now,
    onRecorded: () => worker.wake(),
  });
  outbox.start();
  worker.wake();

  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= Promise.all([outbox.stop(), worker.stop()]).then(() => {});
      return stopping;
    },
    wake: () => worker.wake(),
    async idle() {
      await outbox.reached(await options.store.headPosition());
      for (;;) {
        const changed = worker.changed();
        if (await worker.isIdle()) return;
        worker.wake();
        await changed;
      }
    },
    async replay(deliveryId) {
      const delivery = await deliveries.delivery(deliveryId);
      if (!delivery) return "not_found";
      if (delivery.status !== "dead") return "not_dead";
      // Guarded on status = 'dead' in SQL too, so a racing replay of the same id is a no-op.
      await deliveries.write([replayDelivery(deliveryId, now())]);
      worker.wake();
      return "replayed";
    },
  };
}

/** The operator API over deliveries (dead letters, replay), under /v1. */
export function notifierHttp(options: NotifierRoutesOptions): HttpMount {
  return async (app) => {
    await app.register(notifierRoutes, { prefix: "/v1", ...options });
  };
}
