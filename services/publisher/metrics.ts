import type { EventStore } from "../platform/eventstore/port.ts";
import { collectedGauge, lagBehind, type MetricsRegistry } from "../platform/metrics.ts";
import type { Publisher } from "./publisher.ts";

/** The Kafka relay as /metrics shows it, read at scrape time: how far behind the log head, and the broker. */
export function publisherMetrics(
  registry: MetricsRegistry,
  parts: { store: Pick<EventStore, "headPosition">; publisher: Pick<Publisher, "status"> },
): void {
  collectedGauge(registry, {
    name: "ledger_publisher_lag_events",
    help: "Log head minus the position of the last event Kafka acknowledged, in events (positions)",
    async collect(set) {
      set({}, lagBehind(await parts.store.headPosition(), parts.publisher.status().position));
    },
  });
  collectedGauge(registry, {
    name: "ledger_publisher_connected",
    help: "1 while the last exchange with the Kafka broker succeeded, 0 after a Kafka error",
    async collect(set) {
      set({}, parts.publisher.status().connected ? 1 : 0);
    },
  });
}
