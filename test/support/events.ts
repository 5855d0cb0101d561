import { v7 as uuidv7 } from "uuid";
import type { EventStore, EventToAppend } from "../../services/platform/eventstore/port.ts";
import { sleep } from "./eventually.ts";

/** A well-formed event to append in tests; override any field. */
export function testEvent(
  type = "Tested",
  data: unknown = {},
  overrides: Partial<EventToAppend> = {},
): EventToAppend {
  return {
    eventId: uuidv7(),
    type,
    schemaVersion: 1,
    occurredAt: "2026-11-27T00:00:00.000Z",
    correlationId: "corr-test",
    causationId: "cause-test",
    tenantId: "tenant-test",
    actor: "test",
    data,
    ...overrides,
  };
}

let counter = 0;
/** A stream id no other test in this run uses, so suites can share one log (EventStoreDB's $all). */
export function uniqueStream(kind = "test"): string {
  counter++;
  return `${kind}-${Date.now().toString(36)}${counter.toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * The log head once nothing has been appended for `quietMs` (reactors and the timer sweep append on their own
 * after a change, so "appended nothing" is measured from a quiet log), or the head at `timeoutMs`.
 */
export async function quietHead(
  store: Pick<EventStore, "headPosition">,
  quietMs: number,
  timeoutMs = 5_000,
): Promise<string> {
  const everyMs = 50;
  const deadline = Date.now() + timeoutMs;
  let last = await store.headPosition();
  for (let quietFor = 0; quietFor < quietMs && Date.now() < deadline; ) {
    await sleep(everyMs);
    const now = await store.headPosition();
    quietFor = now === last ? quietFor + everyMs : 0;
    last = now;
  }
  return last;
}
