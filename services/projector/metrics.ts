import type { EventStore } from "../platform/eventstore/port.ts";
import { collectedGauge, lagBehind, type MetricsRegistry } from "../platform/metrics.ts";
import type { ReadStore } from "../platform/readstore/port.ts";

/**
 * Each log follower of the projector role (projections and reactors, by name) as /metrics shows it, read at
 * scrape time from its checkpoint in the read store and the log head: how far behind it is, and whether it
 * runs (a failed one stops where it failed, see /readyz).
 */
export function projectionMetrics(
  registry: MetricsRegistry,
  parts: { store: EventStore; readStore: ReadStore; names: readonly string[] },
): void {
  const names = new Set(parts.names);
  const followers = async () => {
    const [head, states] = await Promise.all([
      parts.store.headPosition(),
      parts.readStore.projectionStates(),
    ]);
    return { head, states: states.filter((state) => names.has(state.name)) };
  };
  collectedGauge(registry, {
    name: "ledger_projection_lag_events",
    help: "Log head minus the projection's checkpoint, in events (positions)",
    labelNames: ["projection"],
    async collect(set) {
      const { head, states } = await followers();
      for (const state of states) set({ projection: state.name }, lagBehind(head, state.position));
    },
  });
  collectedGauge(registry, {
    name: "ledger_projection_running",
    help: "1 while the projection runs, 0 once it stopped at an event it could not apply (or is rebuilding)",
    labelNames: ["projection"],
    async collect(set) {
      const { states } = await followers();
      for (const state of states) set({ projection: state.name }, state.status === "running" ? 1 : 0);
    },
  });
}
