import type { EventEnvelope } from "../../contracts/envelope.ts";
import { invariant } from "../ledger/decider.ts";
import type { ReplyRule } from "./reply-rules.ts";

/** The event a delivery was recorded for, as the notifier keeps it. The delivery id is the event id. */
export interface DeliveryEvent {
  readonly deliveryId: string;
  readonly streamId: string;
  readonly eventType: string;
  readonly eventPosition: string;
}

/** One request, built from the log alone, so every retry sends the same url, bytes and headers. */
export interface DeliveryRequest {
  readonly url: string;
  /** The exact bytes sent. */
  readonly body: string;
  /** The product's own headers (its auth or signature); the notifier adds Standard Webhooks headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Key of the Standard Webhooks `webhook-signature`, as the receiver holds it today: text (its UTF-8 bytes)
   * or bytes (a `whsec_` secret decoded); null sends no signature (webhook-id and webhook-timestamp still go).
   */
  readonly signingKey: string | Uint8Array | null;
}

/**
 * What a product registers to have the notifier deliver some of its events: which ones, how to build the
 * request from the log, and which reply acknowledges it. The notifier owns the rest: recording from the
 * log, retries with backoff and Retry-After, Standard Webhooks headers, dead letters and replay.
 */
export interface DeliverySource {
  /** Recorded on every delivery; renaming a source strands its undelivered deliveries. */
  readonly name: string;
  /** The events this source delivers. An event belongs to one source at most (its id is the delivery's). */
  matches(event: EventEnvelope): boolean;
  /** Labels recorded with the delivery, from the event alone, shown by the operator API beside its fields. */
  labels?(event: EventEnvelope): Readonly<Record<string, string>>;
  /** Builds the request; a throw is a failed attempt (retried, then dead-lettered) that says why. */
  request(event: DeliveryEvent): Promise<DeliveryRequest>;
  readonly reply: ReplyRule;
}

const SOURCE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const LABEL_NAME = /^[a-z][A-Za-z0-9]{0,62}$/;

/** The operator API shows a delivery's own fields and its labels side by side, so labels never shadow one. */
export const RESERVED_LABELS: ReadonlySet<string> = new Set([
  "deliveryId",
  "source",
  "streamId",
  "eventType",
  "eventPosition",
  "url",
  "status",
  "attemptCount",
  "replays",
  "nextAttemptAt",
  "createdAt",
  "deliveredAt",
  "deadAt",
  "lastError",
  "attempts",
]);

/** The sources a notifier was started with, by name; a misconfiguration stops the start, naming it. */
export function sourceRegistry(sources: readonly DeliverySource[]): ReadonlyMap<string, DeliverySource> {
  const byName = new Map<string, DeliverySource>();
  for (const source of sources) {
    if (!SOURCE_NAME.test(source.name))
      throw new Error(`delivery source name ${JSON.stringify(source.name)} must match ${SOURCE_NAME}`);
    if (byName.has(source.name)) throw new Error(`delivery source ${source.name} is registered twice`);
    byName.set(source.name, source);
  }
  return byName;
}

/** The source that delivers `event`, if any, named, with the labels it gives the delivery. */
export function ownerOf(
  sources: ReadonlyMap<string, DeliverySource>,
  event: EventEnvelope,
): { name: string; labels: Readonly<Record<string, string>> } | undefined {
  const matching = [...sources.values()].filter((s) => s.matches(event));
  // Two sources claiming one event would need two deliveries with one id: a bug in their predicates.
  invariant(
    matching.length <= 1,
    `event ${event.eventId} (${event.type}) matches sources ${matching.map((s) => s.name).join(", ")}`,
  );
  const [source] = matching;
  if (source === undefined) return undefined;
  const labels = source.labels?.(event) ?? {};
  for (const name of Object.keys(labels)) {
    invariant(
      LABEL_NAME.test(name) && !RESERVED_LABELS.has(name),
      `source ${source.name} gives label ${JSON.stringify(name)}: not a camelCase name, or a delivery field`,
    );
  }
  return { name: source.name, labels };
}
