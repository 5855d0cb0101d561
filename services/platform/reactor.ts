import type { EventEnvelope } from "../../contracts/envelope.ts";
import type { CommandMeta } from "../ledger/decider.ts";
import type { EventStore, Subscription } from "./eventstore/port.ts";
import type { ReadStore } from "./readstore/port.ts";

/** What a context contributes to the projector role: a named reaction, started with the stores there. */
export interface Reaction {
  readonly name: string;
  /** Must be idempotent: delivery is at least once (a crash between the effect and the checkpoint repeats it). */
  readonly handle: (event: EventEnvelope) => Promise<void>;
}

export interface ReactorOptions extends Reaction {
  readonly store: EventStore;
  readonly readStore: ReadStore;
  readonly logger: {
    error(object: object, message: string): void;
    warn(object: object, message: string): void;
  };
  readonly attempts?: number;
}

/**
 * A process manager: reacts to events with commands on other streams (settled → capture the hold). Its
 * checkpoint lives in the read store but it is not a projection: it is never rebuilt, because replaying
 * reactions from position 0 would repeat them. Transient failures are retried with backoff; an event that
 * keeps failing stops the reactor with status `failed`, like a projection.
 */
const CHECKPOINT_EVERY_MS = 250;

export async function startReactor(options: ReactorOptions): Promise<{ stop(): Promise<void> }> {
  const { name, store, readStore } = options;
  if (!(await readStore.projectionState(name))) {
    await readStore.prepareGeneration(name, 1, 1, {});
    await readStore.promote(name, 1, 1, {});
  } else {
    await readStore.setStatus(name, "running", null);
  }
  const attempts = options.attempts ?? 5;
  let subscription: Subscription | undefined;
  // Reactions are idempotent, so the checkpoint need not be written per event: a crash replays at most the
  // last CHECKPOINT_EVERY_MS of reactions, which then change nothing.
  let handled: string | undefined;
  let saving: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const save = () => {
    timer = undefined;
    saving = saving.then(async () => {
      if (handled !== undefined) await readStore.apply(name, 1, [], handled);
    });
    return saving;
  };
  subscription = store.subscribeToAll({
    after: await readStore.generationPosition(name, 1),
    onEvent: async (event) => {
      for (let attempt = 1; ; attempt++) {
        try {
          await options.handle(event);
          break;
        } catch (error) {
          if (attempt >= attempts) throw error;
          options.logger.warn(
            { reactor: name, err: error, position: event.position, attempt },
            "reaction failed, retrying",
          );
          await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
        }
      }
      handled = event.position;
      timer ??= setTimeout(() => void save(), CHECKPOINT_EVERY_MS);
    },
    onError: (error) => {
      const message = `reaction stopped: ${String(error)}`;
      options.logger.error({ reactor: name, err: error }, message);
      void readStore.setStatus(name, "failed", message);
    },
  });
  return {
    async stop() {
      await subscription?.stop();
      subscription = undefined;
      clearTimeout(timer);
      await save();
    },
  };
}

/** A reaction's command metadata: caused by the event, in its correlation, at the event's business time. */
export function reactionMeta(envelope: EventEnvelope, actor: string, tenantId = "kredivo"): CommandMeta {
  return {
    now: envelope.occurredAt,
    actor,
    tenantId,
    correlationId: envelope.correlationId,
    causationId: envelope.eventId,
  };
}
