import type { ReadStore, TableSpec } from "../platform/readstore/port.ts";

/**
 * The notifier's own state, kept through the read store port but NOT a projection.
 *
 * A projection can be thrown away and rebuilt from position 0 (blue/green), which is harmless for a read
 * model but would re-send every push ever made. So the notifier owns its tables and its checkpoint under a
 * name the ProjectionRunner never sees: generation 1 is prepared and promoted once and written forever
 * after (a schema change here is an ALTER TABLE, never a new generation). Its checkpoint still shows in
 * `projectionStates()`, so /readyz and the CLI report the notifier's lag like any other log follower.
 *
 * Rows are idempotent on the event id (`delivery_id`): re-reading the log from an older checkpoint
 * records nothing twice.
 */
export const NOTIFIER = "notifier";
export const GENERATION = 1;
const VERSION = 1;

export const NOTIFIER_TABLES: Record<string, TableSpec> = {
  notifier_deliveries: {
    columns: `delivery_id TEXT PRIMARY KEY,
      stream_id TEXT NOT NULL,
      transaction_id TEXT NOT NULL,
      event_type TEXT NOT NULL,
      event_position TEXT NOT NULL,
      trx_status TEXT NOT NULL,
      status TEXT NOT NULL,
      attempts BIGINT NOT NULL,
      replays BIGINT NOT NULL,
      pending_since BIGINT NOT NULL,
      next_attempt_at BIGINT,
      created_at TEXT NOT NULL,
      delivered_at TEXT,
      dead_at TEXT,
      last_error TEXT`,
    indexes: ["status, next_attempt_at", "status, dead_at"],
  },
  notifier_attempts: {
    columns: `delivery_id TEXT NOT NULL,
      round BIGINT NOT NULL,
      attempt BIGINT NOT NULL,
      started_at TEXT NOT NULL,
      duration_ms BIGINT NOT NULL,
      url TEXT,
      http_status BIGINT,
      error TEXT,
      outcome TEXT NOT NULL,
      PRIMARY KEY (delivery_id, round, attempt)`,
  },
};

/** Creates the tables and checkpoint on first start; afterwards only clears a failed status. */
export async function ensureNotifierTables(readStore: ReadStore): Promise<void> {
  const state = await readStore.projectionState(NOTIFIER);
  if (state === undefined) {
    await readStore.prepareGeneration(NOTIFIER, GENERATION, VERSION, NOTIFIER_TABLES);
    await readStore.promote(NOTIFIER, GENERATION, VERSION, NOTIFIER_TABLES);
    return;
  }
  if (state.generation !== GENERATION) {
    throw new Error(`notifier state is at generation ${state.generation}; it must never be rebuilt`);
  }
  if (state.status !== "running") await readStore.setStatus(NOTIFIER, "running", null);
}
