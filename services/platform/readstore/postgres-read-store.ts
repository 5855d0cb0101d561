import pg from "pg";
import { runBatch } from "./pg-batch.ts";
import {
  type ProjectionState,
  type ProjectionStatus,
  type ReadStore,
  ReadStoreUnavailable,
  type Row,
  type SqlValue,
  type Statement,
  type TableSpec,
} from "./port.ts";
import {
  applySteps,
  assertIdentifier,
  META_SQL,
  META_TABLES,
  prepareGenerationSteps,
  promoteSteps,
  toState,
} from "./sql.ts";

export interface PostgresReadStoreOptions {
  readonly connectionString: string;
  /** Every table, view and checkpoint lives in this schema (created if missing): one per test run. */
  readonly schema: string;
  readonly poolSize?: number;
}

// BIGINT columns come back as bigint, as they do from the SQLite read store, so money stays exact.
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 20) return (text: string) => BigInt(text);
    return pg.types.getTypeParser(oid, format);
  },
};

/** `?` placeholders of the portable SQL become PostgreSQL's `$1…`; `?` never appears inside our literals. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * Read models in PostgreSQL: the same projections, the same statements, the same generations and views as
 * SQLite. Each apply is one transaction (changes + checkpoint); migrations are the CREATE … IF NOT EXISTS
 * of the meta tables and of each projection generation, applied at start, and the projection `version`
 * is the schema version of its tables (a new version is built as a new generation and swapped in).
 */
export class PostgresReadStore implements ReadStore {
  readonly dialect = "postgres";
  readonly #pool: pg.Pool;
  readonly #schema: string;
  readonly #target: string;
  #ready: Promise<void> | undefined;

  constructor(options: PostgresReadStoreOptions) {
    assertIdentifier("schema", options.schema);
    this.#schema = options.schema;
    this.#pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 4,
      // A database that does not answer fails a request after this instead of hanging it.
      connectionTimeoutMillis: 5000,
      keepAlive: true,
      types,
      options: `-c search_path=${options.schema}`,
    });
    // A pooled connection that dies while idle (database restart, network cut) emits 'error' on the pool,
    // and a checked-out one on itself; the pool discards it and the query in flight rejects on its own, but
    // an unhandled 'error' event would crash the process.
    this.#pool.on("error", () => {});
    this.#pool.on("connect", (client) => client.on("error", () => {}));
    // Never includes the password: the message ends up in logs and replies' causes.
    const probe = new pg.Client({ connectionString: options.connectionString });
    this.#target = `PostgreSQL read store at ${probe.host}:${probe.port} (schema ${this.#schema})`;
  }

  #migrate(): Promise<void> {
    this.#ready ??= (async () => {
      await this.#pool.query(`CREATE SCHEMA IF NOT EXISTS ${this.#schema}`);
      for (const ddl of META_TABLES) await this.#pool.query(ddl);
    })().catch((error: unknown) => {
      // Not reached yet: try again on the next call rather than failing forever.
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  /**
   * Runs the steps in one transaction: BEGIN and every step in one round trip (pg-batch.ts), then COMMIT once
   * all of them succeeded. The COMMIT waits for their results so that a connection lost before it still
   * means nothing was committed (ReadStoreUnavailable's promise); two round trips instead of one per step.
   */
  async #transaction(steps: readonly Statement[]): Promise<void> {
    try {
      await this.#migrate();
      const client = await this.#pool.connect();
      let broken = false;
      try {
        await runBatch(client, [
          { text: "BEGIN", values: [] },
          ...steps.map((s) => ({ text: numbered(s.sql), values: params(s.params) })),
        ]);
        await client.query("COMMIT");
      } catch (error) {
        broken = isConnectionError(error);
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release(broken);
      }
    } catch (error) {
      throw this.#unavailable(error);
    }
  }

  #unavailable(error: unknown): unknown {
    if (!isConnectionError(error)) return error;
    const why = error instanceof Error ? error.message : String(error);
    return new ReadStoreUnavailable(`${this.#target} is unavailable: ${why}`, { cause: error });
  }

  async projectionState(name: string): Promise<ProjectionState | undefined> {
    return (await this.projectionStates()).find((s) => s.name === name);
  }

  async projectionStates(): Promise<ProjectionState[]> {
    const rows = await this.query(META_SQL.states);
    return rows.map(toState);
  }

  async prepareGeneration(
    name: string,
    generation: number,
    version: number,
    tables: Record<string, TableSpec>,
  ): Promise<void> {
    await this.#transaction([
      // Concurrent starters would race on CREATE TABLE IF NOT EXISTS; serialise them per projection.
      { sql: "SELECT pg_advisory_xact_lock(hashtext(?))", params: [`${this.#schema}.${name}`] },
      ...prepareGenerationSteps(name, generation, version, tables, this.dialect),
    ]);
  }

  async generationPosition(name: string, generation: number): Promise<string> {
    const [row] = await this.query(META_SQL.checkpoint, [name, generation]);
    return row ? String(row.position) : "0";
  }

  async apply(
    name: string,
    generation: number,
    statements: readonly Statement[],
    position: string,
  ): Promise<void> {
    await this.#transaction(applySteps(name, generation, statements, position));
  }

  async promote(
    name: string,
    generation: number,
    version: number,
    tables: Record<string, TableSpec>,
  ): Promise<void> {
    const previous = await this.projectionState(name);
    await this.#transaction(promoteSteps(name, generation, version, tables, previous?.generation));
  }

  async setStatus(name: string, status: ProjectionStatus, error: string | null): Promise<void> {
    await this.query(META_SQL.setStatus, [status, error, name]);
  }

  async query(sql: string, values: readonly SqlValue[] = []): Promise<Row[]> {
    try {
      await this.#migrate();
      return (await this.#pool.query(numbered(sql), params(values))).rows;
    } catch (error) {
      throw this.#unavailable(error);
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  /** For tests: drop everything this store created. */
  async dropSchema(): Promise<void> {
    await this.#pool.query(`DROP SCHEMA IF EXISTS ${this.#schema} CASCADE`);
  }
}

/**
 * The database is not there, not taking connections, or dropped this one: node's socket errors, pg's own
 * "Connection terminated…" / connect timeout, and SQLSTATE classes 08 (connection exception), 57P01–57P03
 * (shutdown, cannot connect now) and 53300 (too many connections). An error of the SQL itself has a
 * SQLSTATE of another class and is not one.
 */
function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    if (/^E[A-Z]+$/.test(code)) return true; // ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE, EHOSTUNREACH…
    return code.startsWith("08") || ["57P01", "57P02", "57P03", "53300"].includes(code);
  }
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    error.message,
  );
}

/** pg sends bigint as text, which PostgreSQL casts exactly; numbers and strings pass through. */
function params(values: readonly SqlValue[]): (string | number | null)[] {
  return values.map((v) => (typeof v === "bigint" ? v.toString() : v));
}
