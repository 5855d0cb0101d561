import {
  type AppendResult,
  DuplicateEventId,
  type EventToAppend,
  type ExpectedRevision,
  WrongExpectedRevision,
} from "./port.ts";

// The port's append rules, decided the same way by every adapter (docs/guarantees.md ES2, ES7).

/** Refuses the append unless the stream is where the caller expects it (`actual`: its last revision). */
export function checkExpectedRevision(
  streamId: string,
  expected: ExpectedRevision,
  actual: number | "no_stream",
): void {
  const ok =
    expected === "any" ||
    (expected === "no_stream" && actual === "no_stream") ||
    (expected === "stream_exists" && actual !== "no_stream") ||
    expected === actual;
  if (!ok) throw new WrongExpectedRevision(streamId, expected, actual);
}

/** Where an event id is already stored. */
export interface StoredAt {
  readonly streamId: string;
  readonly revision: number;
  readonly position: string;
}

/**
 * Idempotent append: when every event of the append is already stored, at consecutive revisions of this
 * stream in the same order, it is a retry and gets the original result. None stored: undefined, append as
 * usual. Anything in between (an id stored in another stream, out of order, or only part of the append
 * stored) is DuplicateEventId.
 */
export function retriedAppend(
  streamId: string,
  events: readonly EventToAppend[],
  storedAt: (eventId: string) => StoredAt | undefined,
): AppendResult | undefined {
  let previous: StoredAt | undefined;
  let stored = 0;
  events.forEach((event, i) => {
    const row = storedAt(event.eventId);
    if (!row) return;
    const consecutive =
      row.streamId === streamId &&
      (previous === undefined || row.revision === previous.revision + 1) &&
      stored === i;
    if (!consecutive) throw new DuplicateEventId(event.eventId, `${row.streamId}@${row.revision}`);
    stored++;
    previous = row;
  });
  if (stored === 0 || !previous) return undefined;
  if (stored !== events.length) {
    throw new DuplicateEventId(events[stored]!.eventId, "only part of this append is stored");
  }
  return { nextExpectedRevision: previous.revision, position: previous.position };
}
