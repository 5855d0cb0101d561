import type { ProjectionState, ReadStore, Statement, TableSpec } from "../platform/readstore/port.ts";

/**
 * The notifier's own state, kept through the read store port but NOT a projection.
 *
 * A projection can be thrown away and rebuilt from position 0 (blue/green), which is harmless for a read
 * model but would re-send every delivery ever made. So the notifier owns its tables and its checkpoint
 * under a name the ProjectionRunner never sees. Its checkpoint still shows in `projectionStates()`, so
 * /readyz and the CLI report the notifier's lag like any other log follower.
 *
 * Rows are idempotent on the event id (`delivery_id`): re-reading the log from an older checkpoint
 * records nothing twice.
 *
 * `VERSION` is the schema of the tables below. A database written by an older version is migrated at
 * start by copying its rows forward, never by re-reading the log: the copy fills the next generation of
 * tables, with the old checkpoint, and one promote swaps it in (views, version, checkpoint), dropping the
 * old tables. Each step is idempotent, so a crash anywhere leaves the old generation current and the next
 * start copies again. A fresh database starts at generation 1 of the current version.
 */
export const NOTIFIER = "notifier";
export const VERSION = 2;

/** Version 1 rows were all Kredivo transaction pushes; this is the name of their source now. */
const VERSION_1_SOURCE = "kredivo-push";

export const NOTIFIER_TABLES: Record<string, TableSpec> = {
  notifier_deliveries: {
    columns: `delivery_id TEXT PRIMARY KEY,
      source TEXT NOT NULL,
      stream_id TEXT NOT NULL,
      event_type TEXT NOT NULL,
      event_position TEXT NOT NULL,
      labels TEXT NOT NULL,
      url TEXT,
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

/**
 * Statements copying the rows of an older version, read through the logical tables (still the old
 * generation's), into the current version's tables (`{{…}}`, the new generation). They start by emptying
 * the new tables, so running them again after a crash copies the same rows once.
 */
const COPY_FORWARD: Record<number, (dialect: ReadStore["dialect"]) => readonly Statement[]> = {
  1: (dialect) => {
    const labels =
      dialect === "postgres"
        ? "json_build_object('transactionId', d.transaction_id, 'trxStatus', d.trx_status)::text"
        : "json_object('transactionId', d.transaction_id, 'trxStatus', d.trx_status)";
    const lastUrl = `(SELECT a.url FROM notifier_attempts a WHERE a.delivery_id = d.delivery_id
      ORDER BY a.round DESC, a.attempt DESC LIMIT 1)`;
    const statements = [
      "DELETE FROM {{notifier_attempts}}",
      "DELETE FROM {{notifier_deliveries}}",
      // WHERE true: SQLite reads an ON CONFLICT right after INSERT … SELECT … FROM as a join clause.
      `INSERT INTO {{notifier_deliveries}} (delivery_id, source, stream_id, event_type, event_position, labels,
          url, status, attempts, replays, pending_since, next_attempt_at, created_at, delivered_at, dead_at,
          last_error)
        SELECT d.delivery_id, '${VERSION_1_SOURCE}', d.stream_id, d.event_type, d.event_position, ${labels},
          ${lastUrl}, d.status, d.attempts, d.replays, d.pending_since, d.next_attempt_at, d.created_at,
          d.delivered_at, d.dead_at, d.last_error
        FROM notifier_deliveries d WHERE true`,
      `INSERT INTO {{notifier_attempts}} (delivery_id, round, attempt, started_at, duration_ms, url,
          http_status, error, outcome)
        SELECT delivery_id, round, attempt, started_at, duration_ms, url, http_status, error, outcome
        FROM notifier_attempts WHERE true`,
    ];
    return statements.map((sql) => ({ sql, params: [] }));
  },
};

/**
 * Creates the tables on first start, migrates an older version's, and clears a failed status.
 * Returns the generation to write.
 */
export async function openNotifierTables(readStore: ReadStore): Promise<number> {
  const state = await readStore.projectionState(NOTIFIER);
  if (state === undefined) {
    await readStore.prepareGeneration(NOTIFIER, 1, VERSION, NOTIFIER_TABLES);
    await readStore.promote(NOTIFIER, 1, VERSION, NOTIFIER_TABLES);
    return 1;
  }
  if (state.version > VERSION) {
    throw new Error(
      `the notifier's tables are at version ${state.version}, newer than this code's ${VERSION}: run the newer notifier`,
    );
  }
  if (state.version < VERSION) return migrate(readStore, state);
  if (state.status !== "running") await readStore.setStatus(NOTIFIER, "running", null);
  return state.generation;
}

async function migrate(readStore: ReadStore, from: ProjectionState): Promise<number> {
  const copy = COPY_FORWARD[from.version];
  if (copy === undefined) {
    throw new Error(`the notifier's tables are at version ${from.version}, which this code cannot migrate`);
  }
  const next = from.generation + 1;
  await readStore.prepareGeneration(NOTIFIER, next, VERSION, NOTIFIER_TABLES);
  await readStore.apply(NOTIFIER, next, copy(readStore.dialect), from.position);
  await readStore.promote(NOTIFIER, next, VERSION, NOTIFIER_TABLES);
  return next;
}
