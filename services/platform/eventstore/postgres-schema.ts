import { InvalidEventStoreArgument } from "./port.ts";

/** One channel for every schema: a channel name is capped at 63 bytes, a schema name is not much shorter. */
export const NOTIFY_CHANNEL = "ledger_event_store_appended";

// Lower-case only so the name never needs case-sensitive quoting in psql; 63 bytes is NAMEDATALEN - 1.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSchemaName(schema: unknown): asserts schema is string {
  if (typeof schema !== "string" || !SCHEMA_NAME.test(schema)) {
    throw new InvalidEventStoreArgument("schema_invalid", `schema must match ${SCHEMA_NAME}, got ${schema}`);
  }
}

/** `schema` must have passed assertSchemaName, so quoting it is enough to interpolate it. */
export function quoted(schema: string): string {
  return `"${schema}"`;
}

/**
 * The event store's tables, idempotent so every open can apply it.
 *
 * - `streams` holds each stream's last revision: the expected-revision check reads one row instead of
 *   scanning the stream, and the foreign key keeps events from naming a stream that was never created.
 * - `events.position` comes from a sequence with CACHE 1. A larger cache would hand each session its own
 *   block of positions, so positions would no longer follow the order in which the append lock is taken.
 * - Envelope strings (`occurred_at`, `recorded_at`) are stored verbatim as text and `data` as `json`, not
 *   `jsonb`: both keep the caller's exact text (key order, `\u0000`, lone surrogate escapes), so an event
 *   reads back byte for byte and replaying the journal reproduces it exactly.
 * - `events.hash` is the event's link in the hash chain (chain.ts); a schema created before it gets the
 *   column here and its chain computed by the adapter at open.
 */
export function schemaDdl(schema: string): string {
  const s = quoted(schema);
  return `
    CREATE SCHEMA IF NOT EXISTS ${s};
    CREATE SEQUENCE IF NOT EXISTS ${s}.event_position AS bigint START 1 CACHE 1 NO CYCLE;
    CREATE TABLE IF NOT EXISTS ${s}.streams (
      stream_id text PRIMARY KEY,
      last_revision bigint NOT NULL CHECK (last_revision >= 0)
    );
    CREATE TABLE IF NOT EXISTS ${s}.events (
      position bigint PRIMARY KEY DEFAULT nextval('${s}.event_position'),
      event_id uuid NOT NULL UNIQUE,
      stream_id text NOT NULL REFERENCES ${s}.streams (stream_id),
      revision bigint NOT NULL CHECK (revision >= 0),
      type text NOT NULL,
      schema_version integer NOT NULL CHECK (schema_version >= 1),
      occurred_at text NOT NULL,
      recorded_at text NOT NULL,
      correlation_id text NOT NULL,
      causation_id text NOT NULL,
      tenant_id text NOT NULL,
      actor text NOT NULL,
      data json NOT NULL,
      hash text NOT NULL,
      UNIQUE (stream_id, revision)
    );
    ALTER TABLE ${s}.events ADD COLUMN IF NOT EXISTS hash text;
    ALTER SEQUENCE ${s}.event_position OWNED BY ${s}.events.position;
  `;
}
