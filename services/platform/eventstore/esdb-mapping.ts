import type { z } from "zod";
import { type EventEnvelope, envelopeSchema } from "../../../contracts/envelope.ts";
import { EventStoreError, type EventToAppend, type ExpectedRevision } from "./port.ts";

// Pure translations between the port's vocabulary and EventStoreDB's (client @eventstore/db-client v6).
// No I/O here, so every rule is unit-tested in esdb-position.unit.test.ts.

/*
 * POSITIONS
 *
 * The port carries one decimal string per position and compares positions as integers. An ESDB `$all`
 * position is a pair {commit, prepare} of 64-bit log offsets, ordered by commit, then prepare. We encode
 * the commit position alone, as a decimal string, never through a JS number. Why that is exact:
 *
 * - Every append (gRPC Append/BatchAppend, and the TCP API's WriteEvents) reaches the storage writer as
 *   `WritePrepares`, which writes each event as its own prepare record flagged
 *   `PrepareFlags.Data | PrepareFlags.IsCommitted` at its own log offset (KurrentDB
 *   StorageWriterService.cs, `WritePrepares`). No separate commit record is written.
 * - The $all reader treats such "self-committed" prepares as their own commit and reports each event at
 *   `TFPos(prepare.LogPosition, prepare.LogPosition)`, i.e. commit == prepare == the record's own offset
 *   (AllReader.cs `ReadAllEventsForwardInternal`: `new CommitEventRecord(eventRecord, prepare.LogPosition)`;
 *   ResolvedEvent.cs `CalculatePosition`: `if (@event.IsSelfCommitted) return new TFPos(LogPosition,
 *   LogPosition)`). Records do not overlap, so these offsets are unique and strictly increasing in $all
 *   order: the commit position alone orders events exactly as ESDB does.
 * - An append's result carries `CommitPosition` for both halves (WriteEvents.cs: "not technically correct,
 *   but matches current behavior"), taken from the CommitAck of the prepare flagged TransactionEnd, i.e. the
 *   log offset of the append's LAST event (StorageChaser.cs `ProcessPrepareRecord`). So an append's
 *   position equals the position readAll reports for its last event, as the port promises.
 * - Stream reads report the same pair for self-committed events on servers >= 22.6 (older servers send
 *   2^64-1, "unknown"; this adapter needs >= 22.6 and refuses an unknown position).
 *
 * The exception is the legacy TCP API's explicit transactions (TransactionStart/Write/Commit, removed from
 * the gRPC API): their events share the commit position of one CommitLogRecord and differ in prepare
 * position. An order-preserving single integer for those would need commit * 2^64 + prepare, which would
 * make every ordinary position 2^64 times larger than ESDB's own and useless as a lag figure. Since this
 * ledger never writes transactions, the adapter refuses such an event (commit != prepare) loudly instead of
 * silently mis-ordering or skipping part of a transaction.
 *
 * "0" means "before the first event": the log's first record is the epoch record at offset 0 (a system
 * record, never an event), so no event has commit position 0.
 */

export interface EsdbPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

/** ESDB log positions are .NET longs; 2^64-1 (-1 as unsigned) is the server's "no position". */
export const INT64_MAX = (1n << 63n) - 1n;

/** Where to start reading $all strictly after a port position. */
export type StartPosition =
  | { readonly kind: "start" }
  | { readonly kind: "position"; readonly position: EsdbPosition }
  /** Beyond any position ESDB can hold: nothing can come after it. */
  | { readonly kind: "beyond" };

/** The port position (decimal string) of an ESDB position; refuses transaction events and "no position". */
export function encodePosition(position: EsdbPosition | undefined, what = "event"): string {
  if (position === undefined) {
    throw new EventStoreError(
      `EventStoreDB reported no position for ${what} (EventStoreDB >= 22.6 required)`,
    );
  }
  const { commit, prepare } = position;
  if (commit < 0n || commit > INT64_MAX || prepare < 0n || prepare > INT64_MAX) {
    throw new EventStoreError(
      `EventStoreDB reported no valid position for ${what} (commit ${commit}, prepare ${prepare}); EventStoreDB >= 22.6 required`,
    );
  }
  if (commit !== prepare) {
    throw new EventStoreError(
      `${what} was written by a legacy explicit transaction (commit ${commit} != prepare ${prepare}); this adapter's one-integer positions cannot order it`,
    );
  }
  return commit.toString(10);
}

/** Where a read or subscription strictly after `position` (a validated decimal string) starts. */
export function decodePosition(position: string): StartPosition {
  const value = BigInt(position);
  if (value === 0n) return { kind: "start" };
  if (value > INT64_MAX) return { kind: "beyond" };
  return { kind: "position", position: { commit: value, prepare: value } };
}

/** a > b for two port positions, compared as integers. */
export function positionAfter(a: string, b: string): boolean {
  return BigInt(a) > BigInt(b);
}

/*
 * REVISIONS
 */

/** The client's append expectation: the constants "any" / "no_stream" / "stream_exists", or a bigint. */
export type EsdbExpectedRevision = "any" | "no_stream" | "stream_exists" | bigint;

export function toEsdbExpectedRevision(expected: ExpectedRevision): EsdbExpectedRevision {
  switch (expected) {
    case "any":
    case "no_stream":
    case "stream_exists":
      return expected;
    default:
      return BigInt(expected);
  }
}

/** A stream revision from ESDB (bigint) as the port's number; revisions past 2^53 cannot occur in practice. */
export function revisionToNumber(revision: bigint): number {
  if (revision < 0n || revision > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new EventStoreError(`stream revision ${revision} is outside the port's range`);
  }
  return Number(revision);
}

/** `WrongExpectedVersionError.actualVersion` as the port's `actual`: a missing stream is "no_stream". */
export function fromEsdbCurrentRevision(actual: "no_stream" | bigint | undefined): number | "no_stream" {
  if (actual === undefined || actual === "no_stream" || actual < 0n) return "no_stream";
  return revisionToNumber(actual);
}

/*
 * SYSTEM RECORDS AND EVENT-ID CLAIMS
 */

/**
 * Streams this adapter writes besides the ledger's: one per event id, claiming it for the stream it was
 * appended to (see EsdbEventStore's idempotent append). The "." before the dash keeps them out of the
 * ledger's stream-id space (`kind-id`, kind alphanumeric), and the "$"-prefixed event type keeps them out
 * of `excludeSystemEvents()` subscriptions.
 */
export const CLAIM_STREAM_PREFIX = "ledger.event-id-";
export const CLAIM_EVENT_TYPE = "$ledger.event-id-claimed";

export function claimStream(eventId: string): string {
  return `${CLAIM_STREAM_PREFIX}${eventId}`;
}

/** True for records that are not ledger events: ESDB's own ($ streams, $ types, links) and our claims. */
export function isSystemRecord(streamId: string, type: string): boolean {
  return streamId.startsWith("$") || type.startsWith("$") || streamId.startsWith(CLAIM_STREAM_PREFIX);
}

/*
 * EVENTS
 */

/** The envelope fields stored in ESDB's event metadata; data is the event's JSON and `id` its eventId. */
const metadataSchema = envelopeSchema.pick({
  correlationId: true,
  causationId: true,
  tenantId: true,
  actor: true,
  occurredAt: true,
  schemaVersion: true,
});
export type LedgerMetadata = z.output<typeof metadataSchema>;

export function toLedgerMetadata(event: EventToAppend): LedgerMetadata {
  return {
    correlationId: event.correlationId,
    causationId: event.causationId,
    tenantId: event.tenantId,
    actor: event.actor,
    occurredAt: event.occurredAt,
    schemaVersion: event.schemaVersion,
  };
}

/** The fields of a client RecordedEvent this adapter reads. */
export interface RecordedLike {
  readonly streamId: string;
  readonly id: string;
  readonly revision: bigint;
  readonly type: string;
  readonly created: Date;
  readonly isJson: boolean;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly position?: EsdbPosition | undefined;
}

/**
 * A recorded ledger event as the port's envelope. `recordedAt` is ESDB's `created` (the server's clock at
 * write time, millisecond precision). A record that is not a well-formed ledger event throws: the database
 * is the ledger's, and skipping an event silently would corrupt every projection.
 */
export function toEnvelope(recorded: RecordedLike): EventEnvelope {
  const where = `event ${recorded.id} (${recorded.streamId}@${recorded.revision})`;
  const metadata = metadataSchema.safeParse(recorded.metadata);
  if (!recorded.isJson || !metadata.success) {
    throw new EventStoreError(`${where} is not a ledger event: no JSON data or no envelope metadata`);
  }
  const envelope: EventEnvelope = {
    eventId: recorded.id,
    type: recorded.type,
    schemaVersion: metadata.data.schemaVersion,
    streamId: recorded.streamId,
    revision: revisionToNumber(recorded.revision),
    position: encodePosition(recorded.position, where),
    occurredAt: metadata.data.occurredAt,
    recordedAt: recorded.created.toISOString(),
    correlationId: metadata.data.correlationId,
    causationId: metadata.data.causationId,
    tenantId: metadata.data.tenantId,
    actor: metadata.data.actor,
    data: recorded.data,
  };
  const valid = envelopeSchema.safeParse(envelope);
  if (!valid.success) {
    const issue = valid.error.issues[0];
    throw new EventStoreError(`${where} is not a ledger event: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  return envelope;
}

/*
 * CONNECTION STRING
 */

/** "EventStoreDB at host:port[,host:port]" for error messages; never includes credentials. */
export function describeServer(connectionString: string): string {
  const match = /^esdb(?:\+discover)?:\/\/(?:[^@/?]*@)?([^/?]*)/i.exec(connectionString.trim());
  return match?.[1] ? `EventStoreDB at ${match[1]}` : "EventStoreDB (connection string not understood)";
}
