import { v7 as uuidv7 } from "uuid";
import type { EventCodec } from "../../contracts/event-codec.ts";
import type { CommandMeta, Decider } from "../ledger/decider.ts";
import { type EventStore, WrongExpectedRevision } from "./eventstore/port.ts";
import { streamEvents } from "./eventstore/stream-events.ts";

export interface CommandHandlerOptions {
  /** Attempts on a revision conflict before giving up; each reloads the stream and decides again. */
  readonly maxAttempts?: number;
  /** First backoff; doubles per attempt, with full jitter so racing writers spread out. */
  readonly backoffMs?: number;
  readonly newEventId?: () => string;
  /**
   * How many streams' states are kept between commands (the most recently used): a command on a kept stream
   * reads and folds only the events after the revision kept, so a long stream (a buyer's credit line, a
   * 0-click token) is not read and folded whole per command. A state is kept only as read from the store or
   * as a durable append left it, and the events after it are always read, whoever appended them.
   */
  readonly keptStates?: number;
}

/** Streams whose state a handler keeps by default: hot streams' states, not a copy of the log. */
const KEPT_STATES = 256;

export interface Handled<Event, State> {
  readonly state: State;
  /** The events this command appended; empty when the decider found nothing to do (an idempotent retry). */
  readonly events: readonly Event[];
  /** Log position of the last event appended, to wait for projections (read-your-writes). */
  readonly position: string | undefined;
  readonly revision: number | undefined;
}

/** A stream's state at a revision, as `load` or a previous `handle` answered it. */
export interface Loaded<State> {
  readonly state: State;
  readonly revision: number | undefined;
}

/** The stream's revision conflicted on every attempt: the caller may retry later. */
export class ConcurrencyExhausted extends Error {
  override name = "ConcurrencyExhausted";
}

/**
 * Load → decide → append with the expected revision, retrying on conflict a bounded number of times.
 * A Rejection thrown by the decider propagates untouched and nothing is appended.
 */
export function commandHandler<Command, Event extends { type: string }, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  codec: EventCodec<Event>,
  options: CommandHandlerOptions = {},
) {
  const maxAttempts = options.maxAttempts ?? 8;
  const backoffMs = options.backoffMs ?? 2;
  const newEventId = options.newEventId ?? uuidv7;

  const kept = new KeptStates<State>(options.keptStates ?? KEPT_STATES);

  const loadState = async (streamId: string): Promise<Loaded<State>> => {
    const known = kept.get(streamId);
    let state = known?.state ?? decider.initialState;
    let revision = known?.revision;
    for await (const envelope of streamEvents(store, streamId, revision === undefined ? 0 : revision + 1)) {
      state = decider.evolve(state, codec.decode(envelope));
      revision = envelope.revision;
    }
    const loaded = { state, revision };
    kept.set(streamId, loaded);
    return loaded;
  };

  return {
    load: loadState,

    /**
     * `known`: the stream's state the caller already holds (a command issued in a loop passes what the last
     * one answered), decided on without reloading the stream; the append still expects its revision, and a
     * conflict reloads the stream as always.
     */
    async handle(
      streamId: string,
      command: Command,
      meta: CommandMeta,
      known?: Loaded<State>,
    ): Promise<Handled<Event, State>> {
      for (let attempt = 1; ; attempt++) {
        const { state, revision } = attempt === 1 && known !== undefined ? known : await loadState(streamId);
        const decided = decider.decide(command, state, meta);
        if (decided.length === 0) return { state, events: [], position: undefined, revision };
        try {
          const result = await store.append(
            streamId,
            decided.map((event) => ({
              ...codec.encode(event),
              eventId: newEventId(),
              occurredAt: meta.now,
              correlationId: meta.correlationId,
              causationId: meta.causationId,
              tenantId: meta.tenantId,
              actor: meta.actor,
            })),
            { expectedRevision: revision ?? "no_stream" },
          );
          const appended = {
            state: decided.reduce(decider.evolve, state),
            revision: result.nextExpectedRevision,
          };
          kept.set(streamId, appended);
          return { ...appended, events: decided, position: result.position };
        } catch (error) {
          if (!(error instanceof WrongExpectedRevision)) throw error;
          if (attempt >= maxAttempts) {
            throw new ConcurrencyExhausted(`${streamId}: still conflicting after ${attempt} attempts`);
          }
          await sleep(Math.random() * backoffMs * 2 ** attempt);
        }
      }
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The most recently used streams' states, at most `capacity` (a Map keeps its keys in insertion order). */
class KeptStates<State> {
  readonly #capacity: number;
  readonly #states = new Map<string, Loaded<State>>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get(streamId: string): Loaded<State> | undefined {
    const loaded = this.#states.get(streamId);
    if (loaded !== undefined) {
      this.#states.delete(streamId);
      this.#states.set(streamId, loaded);
    }
    return loaded;
  }

  /** Keeps the later of what it holds and `loaded`: two commands on one stream may finish out of order. */
  set(streamId: string, loaded: Loaded<State>): void {
    if (this.#capacity <= 0 || loaded.revision === undefined) return;
    const held = this.#states.get(streamId);
    if (held?.revision !== undefined && held.revision > loaded.revision) return;
    this.#states.delete(streamId);
    this.#states.set(streamId, loaded);
    if (this.#states.size > this.#capacity) this.#states.delete(this.#states.keys().next().value!);
  }
}
