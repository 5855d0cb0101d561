import { z } from "zod";
import { envelopeSchema, positionSchema, streamIdSchema } from "../../../contracts/envelope.ts";
import {
  type AppendOptions,
  type EventToAppend,
  InvalidEventStoreArgument,
  type ReadAllOptions,
  type ReadStreamOptions,
} from "./port.ts";

// Shared by every adapter so that all of them reject the same malformed arguments before touching storage.

const MAX_EVENTS_PER_APPEND = 10_000;
export const MAX_PAGE = 10_000;

const eventToAppendSchema = envelopeSchema.omit({
  streamId: true,
  revision: true,
  position: true,
  recordedAt: true,
});

const expectedRevisionSchema = z.union([
  z.literal(["any", "no_stream", "stream_exists"]),
  z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
]);

const countSchema = z.number().int().min(1).max(MAX_PAGE);
const revisionSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

function fail(rule: string, error: z.ZodError): never {
  const issue = error.issues[0];
  throw new InvalidEventStoreArgument(rule, `${issue?.path.join(".") || "value"}: ${issue?.message}`);
}

export function assertStreamId(streamId: unknown): asserts streamId is string {
  const parsed = streamIdSchema.safeParse(streamId);
  if (!parsed.success) fail("stream_id_invalid", parsed.error);
}

/** Validates an append and returns each event's data serialised once, ready to store. */
export function validateAppend(
  streamId: unknown,
  events: unknown,
  options: AppendOptions | undefined,
): { dataJson: string[] } {
  assertStreamId(streamId);
  const expected = expectedRevisionSchema.safeParse(options?.expectedRevision);
  if (!expected.success) fail("expected_revision_invalid", expected.error);
  if (!Array.isArray(events) || events.length === 0) {
    throw new InvalidEventStoreArgument("events_must_not_be_empty", "append needs at least one event");
  }
  if (events.length > MAX_EVENTS_PER_APPEND) {
    throw new InvalidEventStoreArgument("too_many_events", `at most ${MAX_EVENTS_PER_APPEND} per append`);
  }
  const ids = new Set<string>();
  const dataJson: string[] = [];
  for (const event of events as EventToAppend[]) {
    const parsed = eventToAppendSchema.safeParse(event);
    if (!parsed.success) fail("event_invalid", parsed.error);
    if (ids.has(event.eventId)) {
      throw new InvalidEventStoreArgument("event_id_repeated_in_append", event.eventId);
    }
    ids.add(event.eventId);
    dataJson.push(serialiseData(event.data));
  }
  return { dataJson };
}

function serialiseData(data: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (error) {
    throw new InvalidEventStoreArgument("event_data_not_json", String(error));
  }
  if (json === undefined) throw new InvalidEventStoreArgument("event_data_not_json", "data is not JSON");
  return json;
}

const directionSchema = z.literal(["forwards", "backwards"]).optional();
const optionalRevisionSchema = revisionSchema.optional();
const optionalCountSchema = countSchema.optional();

export function validateReadStream(streamId: unknown, options: ReadStreamOptions | undefined): void {
  assertStreamId(streamId);
  const checks: [string, z.ZodType, unknown][] = [
    ["direction_invalid", directionSchema, options?.direction],
    ["from_revision_invalid", optionalRevisionSchema, options?.fromRevision],
    ["max_count_invalid", optionalCountSchema, options?.maxCount],
  ];
  for (const [rule, schema, value] of checks) {
    const parsed = schema.safeParse(value);
    if (!parsed.success) fail(rule, parsed.error);
  }
}

export function validateReadAll(options: ReadAllOptions | undefined): void {
  const after = positionSchema.safeParse(options?.after);
  if (!after.success) fail("position_invalid", after.error);
  const max = optionalCountSchema.safeParse(options?.maxCount);
  if (!max.success) fail("max_count_invalid", max.error);
}

export function validatePosition(position: unknown): asserts position is string {
  const parsed = positionSchema.safeParse(position);
  if (!parsed.success) fail("position_invalid", parsed.error);
}
