import type { EventEnvelope } from "../../../contracts/envelope.ts";
import type { ChainHead, ChainLink } from "./chain.ts";

/**
 * The event store port. Every adapter (SQLite, PostgreSQL, EventStoreDB) implements it and must pass the
 * one conformance suite in test/conformance/event-store.suite.ts; docs/guarantees.md lists what it promises.
 */
export interface EventStore {
  /** Appends atomically; all events land at consecutive revisions or none do. */
  append(streamId: string, events: readonly EventToAppend[], options: AppendOptions): Promise<AppendResult>;
  /** Events of one stream; an absent stream reads as empty. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<EventEnvelope[]>;
  /** One page of the global log, strictly after `after` ("0" is before the first event). */
  readAll(options: ReadAllOptions): Promise<EventEnvelope[]>;
  /** Position of the last committed event, "0" when the log is empty. */
  headPosition(): Promise<string>;
  /** The hash chain's head (chain.ts): the last event's position and hash. */
  chainHead(): Promise<ChainHead>;
  /** One page of the log as stored, each event with its data's stored text and its chain hash. */
  readChain(options: ReadAllOptions): Promise<ChainLink[]>;
  /** Catch up from `after`, then follow live appends; the handler sees each event once, in log order. */
  subscribeToAll(options: SubscribeOptions): Subscription;
  close(): Promise<void>;
}

/** `any`; `no_stream` (must not exist); `stream_exists`; or the exact revision of the stream's last event. */
export type ExpectedRevision = "any" | "no_stream" | "stream_exists" | number;

export interface AppendOptions {
  readonly expectedRevision: ExpectedRevision;
}

/** What a caller supplies; the store assigns streamId, revision, position and recordedAt. */
export type EventToAppend = Omit<EventEnvelope, "streamId" | "revision" | "position" | "recordedAt">;

export interface AppendResult {
  /** Revision of the last event appended: pass it as the next expectedRevision. */
  readonly nextExpectedRevision: number;
  /** Global position of the last event appended. */
  readonly position: string;
}

export interface ReadStreamOptions {
  readonly direction?: "forwards" | "backwards";
  /** Inclusive; defaults to the first event forwards and the last event backwards. */
  readonly fromRevision?: number;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  readonly after: string;
  readonly maxCount?: number;
}

export interface SubscribeOptions {
  readonly after: string;
  readonly onEvent: (event: EventEnvelope) => void | Promise<void>;
  /** The subscription stops after reporting an error (a handler that threw, or the store failing). */
  readonly onError: (error: unknown) => void;
}

export interface Subscription {
  /** Stops after the event in hand is handled; resolves when the subscription has stopped. */
  stop(): Promise<void>;
  /** Position of the last event handled. */
  readonly lastPosition: string;
}

export class EventStoreError extends Error {
  override name = "EventStoreError";
}

export class WrongExpectedRevision extends EventStoreError {
  override name = "WrongExpectedRevision";
  readonly streamId: string;
  readonly expected: ExpectedRevision;
  readonly actual: number | "no_stream";
  constructor(streamId: string, expected: ExpectedRevision, actual: number | "no_stream") {
    super(`stream ${streamId}: expected revision ${expected}, actual ${actual}`);
    this.streamId = streamId;
    this.expected = expected;
    this.actual = actual;
  }
}

/** A malformed argument to a port method, named as the rule it broke. Nothing was written. */
export class InvalidEventStoreArgument extends EventStoreError {
  override name = "InvalidEventStoreArgument";
  readonly rule: string;
  constructor(rule: string, detail: string) {
    super(`${rule}: ${detail}`);
    this.rule = rule;
  }
}

/** An event id already stored under a different stream or revision: not a retry of the same append. */
export class DuplicateEventId extends EventStoreError {
  override name = "DuplicateEventId";
  readonly eventId: string;
  constructor(eventId: string, where: string) {
    super(`event id ${eventId} is already stored (${where}) and this append is not a retry of it`);
    this.eventId = eventId;
  }
}

export class EventStoreClosed extends EventStoreError {
  override name = "EventStoreClosed";
  constructor() {
    super("the event store is closed");
  }
}

/** The store could not be reached or failed mid-operation; the append may be retried. */
export class EventStoreUnavailable extends EventStoreError {
  override name = "EventStoreUnavailable";
}
