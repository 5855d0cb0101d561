import { collectDefaultMetrics, Gauge, type LabelValues, Registry } from "prom-client";

// Prometheus metrics (README "Metrics"). Each service instance has its own registry, never prom-client's
// global one, so several apps in one process (tests) never collide and each /metrics shows only what its
// own roles run. Every metric's name starts with `ledger_`, besides Node's process metrics.

export type MetricsRegistry = Registry;

/** A fresh registry holding Node's process metrics (resident memory, CPU, event-loop delay, GC). */
export function metricsRegistry(): MetricsRegistry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** How far `position` is behind `head`, in positions (0 when it is at or past it). */
export function lagBehind(head: string, position: string): number {
  const lag = BigInt(head) - BigInt(position);
  return lag > 0n ? Number(lag) : 0;
}

/** Histogram buckets in seconds from 0.5 ms to 10 s, for request and append latencies. */
export const LATENCY_BUCKETS_SECONDS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export interface CollectedGauge<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
  /** Reads the current values (from the stores or a worker's state) and hands each to `set`. */
  readonly collect: (set: (labels: LabelValues<L>, value: number) => void) => Promise<void>;
}

/**
 * A gauge read at every scrape from what a role already knows. If reading fails (a store is down) the rest
 * of the scrape still answers and the gauge says it does not know: no series when it has labels, NaN when
 * it has none (prom-client would otherwise show an unlabelled gauge as 0, a lag of 0 that is a lie).
 */
export function collectedGauge<L extends string>(registry: MetricsRegistry, gauge: CollectedGauge<L>): void {
  new Gauge<L>({
    name: gauge.name,
    help: gauge.help,
    labelNames: gauge.labelNames ?? [],
    registers: [registry],
    async collect() {
      const values: [LabelValues<L>, number][] = [];
      try {
        await gauge.collect((labels, value) => values.push([labels, value]));
      } catch {
        values.length = 0;
        if (!gauge.labelNames?.length) values.push([{}, Number.NaN]);
      }
      this.reset();
      for (const [labels, value] of values) this.set(labels, value);
    },
  });
}
