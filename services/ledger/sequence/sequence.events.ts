import { z } from "zod";
import { type DomainEvents, eventCodec } from "../../../contracts/event-codec.ts";

/**
 * `sequence-<prefix>`: the numbers of one of the seed's id series (`USR-`, `SUPB-`, `IN-`…). Each number is
 * an event, so two writers racing for the next one conflict on the stream's revision and never share it.
 */
export const sequenceEvents = {
  NumberIssued: { schemaVersion: 1, data: z.object({ number: z.number().int().min(1) }) },
};

export type SequenceEvent = DomainEvents<typeof sequenceEvents>;
export const sequenceCodec = eventCodec(sequenceEvents);
