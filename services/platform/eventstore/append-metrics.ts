import { Histogram } from "prom-client";
import { LATENCY_BUCKETS_SECONDS, type MetricsRegistry } from "../metrics.ts";
import type { AppendObserver } from "./append-queue.ts";
import { WrongExpectedRevision } from "./port.ts";

/** Appends gathered in one commit: 1 means group commit gathered nothing. */
const GROUP_SIZE_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

export type AppendOutcome = "stored" | "conflict" | "error";

/**
 * Group commit seen from /metrics: each append's latency (queued → settled, so the wait for its batch
 * counts) by outcome, and each batch's size and write time (one transaction, one fsync).
 */
export function appendMetrics(registry: MetricsRegistry): AppendObserver {
  const latency = new Histogram({
    name: "ledger_eventstore_append_duration_seconds",
    help: "Time from queuing an append to its outcome, waiting for its group commit included",
    labelNames: ["outcome"] as const,
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [registry],
  });
  const groupSize = new Histogram({
    name: "ledger_eventstore_group_commit_appends",
    help: "Appends written in one group commit (one transaction, one fsync)",
    buckets: GROUP_SIZE_BUCKETS,
    registers: [registry],
  });
  const commit = new Histogram({
    name: "ledger_eventstore_group_commit_duration_seconds",
    help: "Time to write one group commit, from its first statement to its commit",
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [registry],
  });
  return {
    batchWritten(appends, seconds) {
      groupSize.observe(appends);
      commit.observe(seconds);
    },
    appendSettled(seconds, error) {
      latency.observe({ outcome: outcomeOf(error) }, seconds);
    },
  };
}

function outcomeOf(error: unknown): AppendOutcome {
  if (error === undefined) return "stored";
  return error instanceof WrongExpectedRevision ? "conflict" : "error";
}
