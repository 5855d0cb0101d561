import type { EventStore } from "../platform/eventstore/port.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import type { Projection } from "../platform/readstore/projection.ts";

export interface WaitForReadModelsOptions {
  readonly readStore: ReadStore;
  readonly store: EventStore;
  /** The read models the gateway reads: only their checkpoints count. */
  readonly projections: readonly Projection[];
  readonly timeoutMs: number;
  readonly everyMs?: number;
}

/** How many events behind a checkpoint may be before the wait stops looking at what they are. */
const LOOK_AHEAD = 200;

/**
 * Read-your-writes for a gateway whose projections run in another process: watch the checkpoints in the
 * shared read store until every running projection has applied everything up to `position` that it will
 * show, bounded by `timeoutMs`. (In one process the runner resolves this from its own progress instead.)
 *
 * Two things the checkpoints alone would get wrong:
 * - The read store also keeps the checkpoints of the publisher, the notifier's outbox and the reactors; a
 *   gateway must not wait out `timeoutMs` on every command because one of those roles is behind or down.
 *   Only `projections` count.
 * - A projection writes its checkpoint lazily (within a second) after events it ignores. So a projection
 *   whose checkpoint is short of `position` is caught up when every event between its checkpoint and
 *   `position` is one its own `handle` ignores: there is nothing it has yet to show.
 */
export function waitForReadModels(options: WaitForReadModelsOptions) {
  const { readStore, store, projections, timeoutMs } = options;
  const everyMs = options.everyMs ?? 20;
  return async (position: string): Promise<boolean> => {
    const target = BigInt(position);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = new Map((await readStore.projectionStates()).map((s) => [s.name, s]));
      const behind = projections.flatMap((projection) => {
        const state = states.get(projection.name);
        return state?.status === "running" && BigInt(state.position) < target
          ? [{ projection, checkpoint: BigInt(state.position) }]
          : [];
      });
      if (behind.length === 0 || (await onlyIgnoredEvents(store, behind, target))) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  };
}

/** True when no projection in `behind` would change anything for the events after its checkpoint up to `target`. */
async function onlyIgnoredEvents(
  store: EventStore,
  behind: readonly { projection: Projection; checkpoint: bigint }[],
  target: bigint,
): Promise<boolean> {
  let from = target; // the lowest checkpoint (bigint: Math.min does not apply)
  for (const b of behind) if (b.checkpoint < from) from = b.checkpoint;
  const events = await store.readAll({ after: from.toString(), maxCount: LOOK_AHEAD });
  const last = events.at(-1);
  if (!last || BigInt(last.position) < target) return false; // too far behind to tell, or not visible yet
  return behind.every(({ projection, checkpoint }) =>
    events.every((event) => {
      const at = BigInt(event.position);
      if (at <= checkpoint || at > target) return true;
      try {
        return projection.handle(event).length === 0;
      } catch {
        return false; // the runner will fail it; not caught up
      }
    }),
  );
}
