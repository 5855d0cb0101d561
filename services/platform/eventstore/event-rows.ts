import type { EventEnvelope } from "../../../contracts/envelope.ts";
import type { ChainLink } from "./chain.ts";

// The SQL adapters' one table layout: the events table's columns, in the order every SELECT lists them
// and every row is read back (as an array: building arrays is about twice as fast as objects).

export const EVENT_COLUMNS = [
  "position",
  "event_id",
  "stream_id",
  "revision",
  "type",
  "schema_version",
  "occurred_at",
  "recorded_at",
  "correlation_id",
  "causation_id",
  "tenant_id",
  "actor",
  "data",
] as const;

export type EventColumn = (typeof EVENT_COLUMNS)[number];

/** A row of EVENT_COLUMNS. Integers come as the driver gives them; `data` is the stored JSON text. */
export type EventRow = [
  position: string | number | bigint,
  eventId: string,
  streamId: string,
  revision: string | number | bigint,
  type: string,
  schemaVersion: number | bigint,
  occurredAt: string,
  recordedAt: string,
  correlationId: string,
  causationId: string,
  tenantId: string,
  actor: string,
  data: string,
];

/** Every field of a stored event but its data, which envelopes parse and chain links keep as text. */
function rowMetadata(row: EventRow | ChainRow): Omit<EventEnvelope, "data"> {
  return {
    eventId: row[1],
    type: row[4],
    schemaVersion: Number(row[5]),
    streamId: row[2],
    revision: Number(row[3]),
    position: String(row[0]),
    occurredAt: row[6],
    recordedAt: row[7],
    correlationId: row[8],
    causationId: row[9],
    tenantId: row[10],
    actor: row[11],
  };
}

export function rowToEnvelope(row: EventRow): EventEnvelope {
  return { ...rowMetadata(row), data: JSON.parse(row[12]) };
}

/** EVENT_COLUMNS and the chain hash: a stored event as verification reads it. */
export const CHAIN_COLUMNS = [...EVENT_COLUMNS, "hash"] as const;

export type ChainRow = [...EventRow, hash: string];

/** A row of CHAIN_COLUMNS, its data left as the stored text. */
export function rowToLink(row: ChainRow): ChainLink {
  return { ...rowMetadata(row), dataJson: row[12], hash: row[13] };
}
