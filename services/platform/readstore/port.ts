/**
 * The read store port: where projections keep read models and their checkpoints. SQLite (embedded) and
 * PostgreSQL (production) implement it; test/conformance/read-store.suite.ts holds both to one behaviour.
 *
 * SQL handed to a read store is the portable subset both engines share: `?` placeholders, BIGINT/TEXT
 * columns, `INSERT … ON CONFLICT … DO UPDATE`, and `{{table}}` tokens that the store resolves to the
 * physical table of the generation being written (blue/green rebuilds write a fresh generation).
 */
export type SqlValue = string | number | bigint | null;

export interface Statement {
  readonly sql: string;
  readonly params: readonly SqlValue[];
}

export type Row = Record<string, unknown>;

export interface TableSpec {
  /** Column definitions and constraints, e.g. `id TEXT PRIMARY KEY, amount_minor BIGINT NOT NULL`. */
  readonly columns: string;
  /** Extra index column lists, e.g. `["merchant_id, created_at"]`. */
  readonly indexes?: readonly string[];
  /**
   * Indexes only queries read through, never the projection's own statements: created with the tables for
   * the live runner, but a replay into a fresh store leaves them out while it loads and builds them at
   * promote (one sorted build instead of a random insert per row).
   */
  readonly queryIndexes?: readonly string[];
  /**
   * The rows live in the primary key's own B-tree, so a write or a lookup by key touches one tree, not two
   * (SQLite `WITHOUT ROWID`; a PostgreSQL table is a heap either way and ignores it). Needs a PRIMARY KEY.
   */
  readonly clustered?: boolean;
}

export type ProjectionStatus = "running" | "failed" | "rebuilding";

export interface ProjectionState {
  readonly name: string;
  readonly generation: number;
  readonly version: number;
  readonly position: string;
  readonly status: ProjectionStatus;
  readonly error: string | null;
}

export interface ReadStore {
  readonly dialect: "sqlite" | "postgres";
  /** Current state of a projection, or undefined if it never ran. */
  projectionState(name: string): Promise<ProjectionState | undefined>;
  /** All projections' states, for /readyz and the CLI. */
  projectionStates(): Promise<ProjectionState[]>;
  /** Creates a generation's tables (idempotent) and its checkpoint at "0". */
  prepareGeneration(
    name: string,
    generation: number,
    version: number,
    tables: Record<string, TableSpec>,
  ): Promise<void>;
  /** Checkpoint of one generation ("0" if it has none). */
  generationPosition(name: string, generation: number): Promise<string>;
  /** Runs the statements and moves the generation's checkpoint to `position`, in one transaction. */
  apply(name: string, generation: number, statements: readonly Statement[], position: string): Promise<void>;
  /** Points the logical tables (views) at `generation`, makes it current and drops older generations' tables. */
  promote(
    name: string,
    generation: number,
    version: number,
    tables: Record<string, TableSpec>,
  ): Promise<void>;
  setStatus(name: string, status: ProjectionStatus, error: string | null): Promise<void>;
  /** Reads through the logical tables (views) of current generations. */
  query(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  close(): Promise<void>;
}

/**
 * The read store's database could not be reached or dropped the connection mid-operation. Nothing of the
 * operation was committed (a transaction that lost its connection is rolled back by the server); it may be
 * retried once the database answers. Errors of the SQL itself are not this.
 */
export class ReadStoreUnavailable extends Error {
  override name = "ReadStoreUnavailable";
}
