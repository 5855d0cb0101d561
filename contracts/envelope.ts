import { z } from "zod";

// The one envelope every event is stored and published in (DESIGN.md "Events").
// Positions are decimal strings because EventStoreDB's $all positions are 64-bit and JSON numbers are not.
export const positionSchema = z.string().regex(/^(0|[1-9][0-9]*)$/, "position_must_be_a_decimal_string");

export const uuidV7Schema = z
  .string()
  .regex(
    /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    "event_id_must_be_a_uuid_v7",
  );

export const streamIdSchema = z
  .string()
  .min(3)
  .max(200)
  .regex(/^[a-z][a-z0-9]*-[A-Za-z0-9_.:-]+$/, "stream_id_must_be_kind_dash_id");

export const eventTypeSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z][A-Za-z0-9.]*$/, "event_type_must_be_alphanumeric");

export const actorSchema = z.string().min(1).max(200);

export const envelopeSchema = z.object({
  eventId: uuidV7Schema,
  type: eventTypeSchema,
  schemaVersion: z.number().int().min(1),
  streamId: streamIdSchema,
  revision: z.number().int().min(0),
  position: positionSchema,
  occurredAt: z.iso.datetime(),
  recordedAt: z.iso.datetime(),
  correlationId: z.string().min(1).max(200),
  causationId: z.string().min(1).max(200),
  tenantId: z.string().min(1).max(200),
  actor: actorSchema,
  data: z.unknown(),
});

export type EventEnvelope<Data = unknown> = Omit<z.infer<typeof envelopeSchema>, "data"> & { data: Data };

/** The kind of a stream is the prefix before the first dash: `checkout-…` → `checkout`. */
export function streamKind(streamId: string): string {
  const dash = streamId.indexOf("-");
  return dash === -1 ? streamId : streamId.slice(0, dash);
}
