import pg from "pg";
import { sha256Hex } from "../digest.ts";
import { assertIdentifier } from "../readstore/sql.ts";
import { type BlobStore, isBlobAddress, type StoredBlob } from "./port.ts";

export interface PostgresBlobStoreOptions {
  readonly connectionString: string;
  /** The table `blobs` lives in this schema (created if missing), beside the event store's and read models'. */
  readonly schema: string;
}

/**
 * Blobs as `bytea` rows of one table keyed by their SHA-256: the production shape, where every gateway
 * replica must read what another stored. `INSERT … ON CONFLICT DO NOTHING` makes a repeated put a no-op.
 */
export class PostgresBlobStore implements BlobStore {
  readonly #pool: pg.Pool;
  readonly #schema: string;
  #ready: Promise<void> | undefined;

  constructor(options: PostgresBlobStoreOptions) {
    assertIdentifier("schema", options.schema);
    this.#schema = options.schema;
    this.#pool = new pg.Pool({
      connectionString: options.connectionString,
      max: 2,
      connectionTimeoutMillis: 5000,
      options: `-c search_path=${options.schema}`,
    });
    // A pooled connection that dies while idle must not crash the process; the query in flight rejects.
    this.#pool.on("error", () => {});
  }

  #migrate(): Promise<void> {
    this.#ready ??= (async () => {
      await this.#pool.query(`CREATE SCHEMA IF NOT EXISTS ${this.#schema}`);
      await this.#pool.query(
        "CREATE TABLE IF NOT EXISTS blobs (sha256 TEXT PRIMARY KEY, size_bytes BIGINT NOT NULL, bytes BYTEA NOT NULL)",
      );
    })().catch((error) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async put(bytes: Buffer): Promise<StoredBlob> {
    await this.#migrate();
    const sha256 = sha256Hex(bytes);
    await this.#pool.query(
      "INSERT INTO blobs (sha256, size_bytes, bytes) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING",
      [sha256, bytes.length, bytes],
    );
    return { sha256, sizeBytes: bytes.length };
  }

  async get(sha256: string): Promise<Buffer | undefined> {
    if (!isBlobAddress(sha256)) return undefined;
    await this.#migrate();
    const result = await this.#pool.query<{ bytes: Buffer }>("SELECT bytes FROM blobs WHERE sha256 = $1", [
      sha256,
    ]);
    return result.rows[0]?.bytes;
  }

  /** For tests: drops the schema this store created. */
  async dropSchema(): Promise<void> {
    await this.#pool.query(`DROP SCHEMA IF EXISTS ${this.#schema} CASCADE`);
    this.#ready = undefined;
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
