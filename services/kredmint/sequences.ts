import { v7 as uuidv7 } from "uuid";
import type { CommandMeta } from "../ledger/decider.ts";
import { sequenceDecider, sequenceStream } from "../ledger/sequence/sequence.decider.ts";
import { sequenceCodec } from "../ledger/sequence/sequence.events.ts";
import { ConcurrencyExhausted } from "../platform/command-handler.ts";
import { type EventStore, WrongExpectedRevision } from "../platform/eventstore/port.ts";

const MAX_ATTEMPTS = 20;

/**
 * Issues the next number of one of the seed's id series (`USR-`, `SUPB-`, `IN-`…) from its `sequence-<prefix>`
 * stream. Only the last event is read (the decider's state is the last number), so issuing stays one read and
 * one append however long the series. Racing writers conflict on the revision and retry; a number issued to
 * a request that then fails stays unused, so a series may have gaps, never duplicates.
 */
export function sequenceIssuer(store: EventStore) {
  return async function issue(prefix: string, meta: CommandMeta): Promise<string> {
    const streamId = sequenceStream(prefix);
    for (let attempt = 1; ; attempt++) {
      const [last] = await store.readStream(streamId, { direction: "backwards", maxCount: 1 });
      const state = last
        ? sequenceDecider.evolve(sequenceDecider.initialState, sequenceCodec.decode(last))
        : sequenceDecider.initialState;
      const [issued] = sequenceDecider.decide({ type: "Issue" }, state, meta);
      if (!issued) throw new Error(`${streamId}: the sequence issued nothing`);
      try {
        await store.append(
          streamId,
          [
            {
              ...sequenceCodec.encode(issued),
              eventId: uuidv7(),
              occurredAt: meta.now,
              correlationId: meta.correlationId,
              causationId: meta.causationId,
              tenantId: meta.tenantId,
              actor: meta.actor,
            },
          ],
          { expectedRevision: last ? last.revision : "no_stream" },
        );
        return `${prefix}${issued.data.number}`;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision)) throw error;
        if (attempt >= MAX_ATTEMPTS) throw new ConcurrencyExhausted(`${streamId}: still conflicting`);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * attempt));
      }
    }
  };
}
