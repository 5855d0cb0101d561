import type { EventEnvelope } from "../../../contracts/envelope.ts";
import type { ChainLink } from "./chain.ts";
import type { EventStore } from "./port.ts";

const PAGE = 1000;

/** Every event of one stream from `fromRevision`, oldest first, a page at a time (a stream may outgrow one read). */
export async function* streamEvents(
  store: EventStore,
  streamId: string,
  fromRevision = 0,
): AsyncGenerator<EventEnvelope> {
  for (let from = fromRevision; ; from += PAGE) {
    const page = await store.readStream(streamId, { fromRevision: from, maxCount: PAGE });
    yield* page;
    if (page.length < PAGE) return;
  }
}

/** The stored log after `after`, a page at a time, each event with its chain hash (for verifyChain). */
export async function* chainPages(
  store: EventStore,
  after = "0",
  pageSize = PAGE,
): AsyncGenerator<ChainLink[]> {
  for (let from = after; ; ) {
    const page = await store.readChain({ after: from, maxCount: pageSize });
    if (page.length === 0) return;
    yield page;
    from = page.at(-1)!.position;
  }
}
