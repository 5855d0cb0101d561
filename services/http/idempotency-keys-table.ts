import type { ReadStore, Row } from "../platform/readstore/port.ts";

/** Who holds a key: the caller's scope, the key, and the attempt that owns it. */
export interface KeyHolder {
  readonly scope: string;
  readonly key: string;
  readonly owner: string;
}

/** A response as stored for replays. */
export interface StoredResponse {
  readonly statusCode: number;
  readonly contentType: string;
  readonly body: string;
}

// Not a projection (nothing in the log to rebuild it from): a plain table beside the read models, made on
// first use. A row is `running` from the first request until its response is stored as `done`; while
// running, its holder pushes `lease_until` forward every third of the lease.
const TABLE = `CREATE TABLE IF NOT EXISTS idempotency_keys (
  scope TEXT NOT NULL, idem_key TEXT NOT NULL, fingerprint TEXT NOT NULL, owner TEXT NOT NULL,
  state TEXT NOT NULL, status_code BIGINT, content_type TEXT, body TEXT, created_at BIGINT NOT NULL,
  lease_until BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (scope, idem_key))`;

// Tables made before leases existed: a running row of theirs has lease 0, so the next retry takes it over.
const ADD_LEASE = "ALTER TABLE idempotency_keys ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0";

const HAS_LEASE = "SELECT lease_until FROM idempotency_keys WHERE 1 = 0";

/** Makes the table, and adds the lease column to one made before leases existed. */
export async function createKeysTable(readStore: ReadStore): Promise<void> {
  await readStore.query(TABLE);
  const hasLease = await readStore.query(HAS_LEASE).then(
    () => true,
    () => false,
  );
  // Two processes may both find the column missing; the loser's ALTER fails and the column is there.
  if (!hasLease) await readStore.query(ADD_LEASE).catch(() => readStore.query(HAS_LEASE));
}

/** Keys and responses first seen before `createdBeforeMs` are past their time to live. */
export async function forgetKeysSeenBefore(readStore: ReadStore, createdBeforeMs: number): Promise<void> {
  await readStore.query("DELETE FROM idempotency_keys WHERE created_at < ?", [createdBeforeMs]);
}

export interface NewClaim extends KeyHolder {
  readonly fingerprint: string;
}

/**
 * Writes a `running` row for the key unless one exists, then reads the key's row: this attempt's own when
 * its owner is `claim.owner`, else the row of whoever got there first.
 */
export async function insertOrReadKey(
  readStore: ReadStore,
  claim: NewClaim,
  atMs: number,
  leaseUntilMs: number,
): Promise<Row> {
  const { scope, key, fingerprint, owner } = claim;
  await readStore.query(
    `INSERT INTO idempotency_keys (scope, idem_key, fingerprint, owner, state, created_at, lease_until)
     VALUES (?, ?, ?, ?, 'running', ?, ?) ON CONFLICT (scope, idem_key) DO NOTHING`,
    [scope, key, fingerprint, owner, atMs, leaseUntilMs],
  );
  const [row] = await readStore.query("SELECT * FROM idempotency_keys WHERE scope = ? AND idem_key = ?", [
    scope,
    key,
  ]);
  if (!row) throw new Error("idempotency key vanished right after it was written");
  return row;
}

/**
 * Hands a running key whose lease ran out by `atMs` from `held.owner` to `owner`: a compare-and-set on the
 * previous owner, so of several racing retries exactly one gets the row back.
 */
export async function takeOverKey(
  readStore: ReadStore,
  held: KeyHolder,
  owner: string,
  atMs: number,
  leaseUntilMs: number,
): Promise<Row | undefined> {
  const [taken] = await readStore.query(
    `UPDATE idempotency_keys SET owner = ?, lease_until = ?
      WHERE scope = ? AND idem_key = ? AND owner = ? AND state = 'running' AND lease_until <= ?
      RETURNING scope, idem_key, created_at`,
    [owner, leaseUntilMs, held.scope, held.key, held.owner, atMs],
  );
  return taken;
}

export async function renewKeyLease(
  readStore: ReadStore,
  holder: KeyHolder,
  leaseUntilMs: number,
): Promise<void> {
  await readStore.query(
    `UPDATE idempotency_keys SET lease_until = ?
    WHERE scope = ? AND idem_key = ? AND owner = ? AND state = 'running'`,
    [leaseUntilMs, holder.scope, holder.key, holder.owner],
  );
}

/** Ends the lease at once, so the next attempt may take the key over. */
export async function endKeyLease(readStore: ReadStore, holder: KeyHolder): Promise<void> {
  await readStore.query(
    `UPDATE idempotency_keys SET lease_until = 0
      WHERE scope = ? AND idem_key = ? AND owner = ? AND state = 'running'`,
    [holder.scope, holder.key, holder.owner],
  );
}

/** Marks the key `done` with its response; a holder that lost the key to a takeover matches no row. */
export async function storeKeyResponse(
  readStore: ReadStore,
  holder: KeyHolder,
  response: StoredResponse,
): Promise<void> {
  await readStore.query(
    `UPDATE idempotency_keys SET state = 'done', status_code = ?, content_type = ?, body = ?
     WHERE scope = ? AND idem_key = ? AND owner = ?`,
    [response.statusCode, response.contentType, response.body, holder.scope, holder.key, holder.owner],
  );
}

export function storedResponseOf(row: Row): StoredResponse {
  return {
    statusCode: Number(row.status_code),
    contentType: String(row.content_type),
    body: String(row.body),
  };
}
