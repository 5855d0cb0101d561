import type { IHeaders, TopicMessages } from "kafkajs";
import { type EventEnvelope, streamKind } from "../../contracts/envelope.ts";

/** The stream kinds of DESIGN.md "Events": their topics are created at start, others when first seen. */
export const KNOWN_KINDS: readonly string[] = [
  "checkout",
  "creditline",
  "token",
  "disbursal",
  "partneruser",
  "supplier",
  "merchant",
  "partner",
];

export const DEFAULT_TOPIC_PREFIX = "payments";

/** `payments.<kind>.v1`: one topic per stream kind, `v1` being the envelope's version on the wire. */
export function topicFor(kind: string, prefix = DEFAULT_TOPIC_PREFIX): string {
  return `${prefix}.${kind}.v1`;
}

export function topicOf(event: EventEnvelope, prefix = DEFAULT_TOPIC_PREFIX): string {
  return topicFor(streamKind(event.streamId), prefix);
}

/** The header names every published event carries (values are UTF-8 strings). */
export const HEADER = {
  eventId: "event-id",
  eventType: "event-type",
  schemaVersion: "schema-version",
  correlationId: "correlation-id",
} as const;

export interface EventMessage {
  readonly key: string;
  readonly value: string;
  readonly headers: IHeaders;
}

/** Key = stream id (so one stream stays on one partition, in order), value = the envelope as JSON. */
export function toMessage(event: EventEnvelope): EventMessage {
  return {
    key: event.streamId,
    value: JSON.stringify(event),
    headers: {
      [HEADER.eventId]: event.eventId,
      [HEADER.eventType]: event.type,
      [HEADER.schemaVersion]: String(event.schemaVersion),
      [HEADER.correlationId]: event.correlationId,
    },
  };
}

/** Groups a page by topic in log order, cut once the values reach maxBytes (never before the first event). */
export function toTopicMessages(
  page: readonly EventEnvelope[],
  prefix: string,
  maxBytes: number,
): { batch: TopicMessages[]; last: string; count: number } {
  const byTopic = new Map<string, TopicMessages>();
  let bytes = 0;
  let last = "";
  let count = 0;
  for (const event of page) {
    const message = toMessage(event);
    const size = Buffer.byteLength(message.value);
    if (count > 0 && bytes + size > maxBytes) break;
    bytes += size;
    const topic = topicOf(event, prefix);
    let entry = byTopic.get(topic);
    if (!entry) {
      entry = { topic, messages: [] };
      byTopic.set(topic, entry);
    }
    entry.messages.push(message);
    last = event.position;
    count++;
  }
  return { batch: [...byTopic.values()], last, count };
}
