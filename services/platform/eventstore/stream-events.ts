import type { EventEnvelope } from "../../../contracts/envelope.ts";
import type { EventStore } from "./port.ts";

const PAGE = 1000;

/** Every event of one stream, oldest first, read a page at a time (a stream may outgrow one read). */
export async function* streamEvents(store: EventStore, streamId: string): AsyncGenerator<EventEnvelope> {
  for (let from = 0; ; from += PAGE) {
    const page = await store.readStream(streamId, { fromRevision: from, maxCount: PAGE });
    yield* page;
    if (page.length < PAGE) return;
  }
}
