import { v7 as uuidv7 } from "uuid";
import type { EventCodec } from "../../contracts/event-codec.ts";
import { type CommandMeta, type Decider, fold } from "../ledger/decider.ts";
import { type EventStore, WrongExpectedRevision } from "./eventstore/port.ts";
import { streamEvents } from "./eventstore/stream-events.ts";

export interface CommandHandlerOptions {
  /** Attempts on a revision conflict before giving up; each reloads the stream and decides again. */
  readonly maxAttempts?: number;
  /** First backoff; doubles per attempt, with full jitter so racing writers spread out. */
  readonly backoffMs?: number;
  readonly newEventId?: () => string;
}

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

  const load = async (streamId: string) => {
    const events: Event[] = [];
    for await (const envelope of streamEvents(store, streamId)) events.push(codec.decode(envelope));
    // Revisions are consecutive from 0, so the last one is the count of events less one.
    return { events, revision: events.length === 0 ? undefined : events.length - 1 };
  };

  const loadState = async (streamId: string): Promise<Loaded<State>> => {
    const { events, revision } = await load(streamId);
    return { state: fold(decider, events), revision };
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
          return {
            state: decided.reduce(decider.evolve, state),
            events: decided,
            position: result.position,
            revision: result.nextExpectedRevision,
          };
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
