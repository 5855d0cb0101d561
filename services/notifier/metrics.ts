import { Counter } from "prom-client";
import type { EventStore } from "../platform/eventstore/port.ts";
import { collectedGauge, lagBehind, type MetricsRegistry } from "../platform/metrics.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import { NOTIFIER } from "./tables.ts";

/**
 * What became of one attempt: `retry` is a failed attempt with another one scheduled, `dead_letter` the
 * failed attempt that gave up, `interrupted` one cut short by our own shutdown (sent again at start).
 */
export type AttemptOutcome = "delivered" | "retry" | "dead_letter" | "interrupted";

export type AttemptObserver = (source: string, outcome: AttemptOutcome) => void;

/**
 * The notifier as /metrics shows it: its attempts counted as they finish, and, read from its tables at
 * scrape time, the deliveries waiting (the queue), the dead letters and how far the outbox is behind the log.
 * Returns the observer the worker reports each attempt to.
 */
export function notifierMetrics(
  registry: MetricsRegistry,
  parts: { store: EventStore; readStore: ReadStore },
): AttemptObserver {
  const { store, readStore } = parts;
  const attempts = new Counter({
    name: "ledger_notifier_attempts_total",
    help: "Delivery attempts by source and outcome (retry: failed, another attempt scheduled)",
    labelNames: ["source", "outcome"] as const,
    registers: [registry],
  });
  collectedGauge(registry, {
    name: "ledger_notifier_queue_depth",
    help: "Deliveries pending (due now or waiting for their retry), by source",
    labelNames: ["source"],
    collect: (set) => countBySource(readStore, "pending", set),
  });
  collectedGauge(registry, {
    name: "ledger_notifier_dead_letters",
    help: "Deliveries given up on and parked for an operator (until replayed), by source",
    labelNames: ["source"],
    collect: (set) => countBySource(readStore, "dead", set),
  });
  collectedGauge(registry, {
    name: "ledger_notifier_lag_events",
    help: "Log head minus the outbox's checkpoint (events not yet looked at for deliveries), in positions",
    async collect(set) {
      const [head, state] = await Promise.all([store.headPosition(), readStore.projectionState(NOTIFIER)]);
      if (state) set({}, lagBehind(head, state.position));
    },
  });
  return (source, outcome) => attempts.inc({ source, outcome });
}

async function countBySource(
  readStore: ReadStore,
  status: "pending" | "dead",
  set: (labels: { source: string }, value: number) => void,
): Promise<void> {
  const rows = await readStore.query(
    "SELECT source, COUNT(*) AS deliveries FROM notifier_deliveries WHERE status = ? GROUP BY source",
    [status],
  );
  for (const row of rows) set({ source: String(row.source) }, Number(row.deliveries));
}
