import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type {
  ProjectionState,
  ProjectionStatus,
  ReadStore,
  Row,
  SqlValue,
  Statement,
  TableSpec,
} from "./port.ts";
import { applySteps, META_SQL, META_TABLES, prepareGenerationSteps, promoteSteps, toState } from "./sql.ts";

/** The page cache of a bulk-loaded store, KiB. */
const BULK_CACHE_KIB = 65_536;

/**
 * Read models in SQLite, by default in the same file as the event log (DESIGN.md). Every transaction here
 * runs synchronously inside one call, so it never interleaves with the event store's writes on the same
 * thread. `synchronous = NORMAL` is enough: a read model is rebuilt from the durable log, and a checkpoint
 * lost with its changes on power loss is simply projected again.
 * Integer columns come back as bigint (declare them BIGINT) so money is exact on both read stores.
 */
export class SqliteReadStore implements ReadStore {
  readonly dialect = "sqlite";
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  readonly #bulkLoad: boolean;

  /**
   * `bulkLoad`: a fresh store that a replay fills, thrown away and replayed again if interrupted, so it
   * syncs nothing while loading and keeps a larger page cache (random B-tree inserts miss the default 2 MiB
   * early); close() then syncs it to disk.
   */
  constructor(options: { path: string; bulkLoad?: boolean }) {
    if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
    this.#db = new DatabaseSync(options.path);
    this.#bulkLoad = options.bulkLoad ?? false;
    this.#db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
    if (this.#bulkLoad) this.#db.exec(`PRAGMA synchronous = OFF; PRAGMA cache_size = -${BULK_CACHE_KIB};`);
    for (const ddl of META_TABLES) this.#db.exec(ddl);
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      statement.setReadBigInts(true);
      if (this.#statements.size > 500) this.#statements.clear();
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs the steps in one transaction; synchronous, so it never interleaves with another on this thread. */
  #transaction(steps: readonly Statement[]): void {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      for (const s of steps) this.#prepare(s.sql).run(...(s.params as SqlValue[]));
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  async projectionState(name: string): Promise<ProjectionState | undefined> {
    return (await this.projectionStates()).find((s) => s.name === name);
  }

  async projectionStates(): Promise<ProjectionState[]> {
    const rows = this.#prepare(META_SQL.states).all() as Row[];
    return rows.map(toState);
  }

  async prepareGeneration(
    name: string,
    generation: number,
    version: number,
    tables: Record<string, TableSpec>,
  ): Promise<void> {
    this.#transaction(prepareGenerationSteps(name, generation, version, tables, this.dialect));
  }

  async generationPosition(name: string, generation: number): Promise<string> {
    const row = this.#prepare(META_SQL.checkpoint).get(name, generation) as { position: string } | undefined;
    return row?.position ?? "0";
  }

  async apply(
    name: string,
    generation: number,
    statements: readonly Statement[],
    position: string,
  ): Promise<void> {
    this.#transaction(applySteps(name, generation, statements, position));
  }

  async promote(
    name: string,
    generation: number,
    version: number,
    tables: Record<string, TableSpec>,
  ): Promise<void> {
    const previous = await this.projectionState(name);
    this.#transaction(promoteSteps(name, generation, version, tables, previous?.generation));
    this.#statements.clear();
  }

  async setStatus(name: string, status: ProjectionStatus, error: string | null): Promise<void> {
    this.#prepare(META_SQL.setStatus).run(status, error, name);
  }

  async query(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return this.#prepare(sql).all(...(params as SqlValue[])) as Row[];
  }

  async close(): Promise<void> {
    if (!this.#db.isOpen) return;
    if (this.#bulkLoad) this.#db.exec("PRAGMA synchronous = FULL; PRAGMA wal_checkpoint(TRUNCATE);");
    this.#db.close();
  }
}
