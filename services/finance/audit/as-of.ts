import { type EventEnvelope, streamKind } from "../../../contracts/envelope.ts";
import type { EventCodec } from "../../../contracts/event-codec.ts";
import { buyerDecider } from "../../ledger/buyer/buyer.decider.ts";
import { buyerCodec } from "../../ledger/buyer/buyer.events.ts";
import { checkoutDecider } from "../../ledger/checkout/checkout.decider.ts";
import { checkoutCodec } from "../../ledger/checkout/checkout.events.ts";
import { creditLineDecider } from "../../ledger/creditline/creditline.decider.ts";
import { creditLineCodec } from "../../ledger/creditline/creditline.events.ts";
import type { Decider } from "../../ledger/decider.ts";
import { merchantDecider } from "../../ledger/merchant/merchant.decider.ts";
import { merchantCodec } from "../../ledger/merchant/merchant.events.ts";
import type { EventStore } from "../../platform/eventstore/port.ts";
import { streamEvents } from "../../platform/eventstore/stream-events.ts";

// Point-in-time audit (README "Audit"): what a stream was as of a log position or an effective time, and the
// events that made it so. Shared by `GET /v1/audit/streams/{id}` and `ledger audit stream`.

/** As of a log position (events recorded at or before it) or an effective time (occurred at or before it). */
export type AuditAt =
  | { readonly kind: "position"; readonly position: bigint }
  | { readonly kind: "time"; readonly at: string };

const POSITION = /^(0|[1-9][0-9]{0,18})$/;
// ISO 8601 with a date, a time and an offset, e.g. 2026-11-27T10:00:00Z or 2026-11-27T10:00:00.123+07:00.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** `at` as a log position (a decimal integer) or an ISO 8601 time; undefined when it is neither. */
export function parseAuditAt(text: string): AuditAt | undefined {
  if (POSITION.test(text)) return { kind: "position", position: BigInt(text) };
  if (!ISO_TIME.test(text)) return undefined;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? undefined : { kind: "time", at: time.toISOString() };
}

/** Whether an event had happened as of `at`. */
export function happenedBy(event: EventEnvelope, at: AuditAt): boolean {
  return at.kind === "position"
    ? BigInt(event.position) <= at.position
    : new Date(event.occurredAt).getTime() <= new Date(at.at).getTime();
}

interface StreamFold {
  readonly codec: EventCodec<{ type: string }>;
  readonly decider: Pick<Decider<unknown, { type: string }, unknown>, "initialState" | "evolve">;
}

// Each stream kind's own decider folds its events, so the state is exactly what a command would see.
const FOLDS: Record<string, StreamFold> = {
  checkout: fold(checkoutCodec, checkoutDecider),
  merchant: fold(merchantCodec, merchantDecider),
  buyer: fold(buyerCodec, buyerDecider),
  creditline: fold(creditLineCodec, creditLineDecider),
};

function fold<E extends { type: string }, S>(
  codec: EventCodec<E>,
  decider: Pick<Decider<never, E, S>, "initialState" | "evolve">,
): StreamFold {
  return { codec, decider } as unknown as StreamFold;
}

export interface StreamAsOf {
  readonly streamId: string;
  /** The stream's revision as of `at`; -1 when it had no event yet. */
  readonly revision: number;
  /** Its decider's state folded from those events, as JSON (amounts as decimal strings); null for a kind
   * without a decider here. */
  readonly state: unknown;
  readonly events: readonly EventEnvelope[];
}

/** The stream as of `at`: undefined when the stream does not exist at all. */
export async function streamAsOf(
  store: EventStore,
  streamId: string,
  at: AuditAt,
): Promise<StreamAsOf | undefined> {
  const events: EventEnvelope[] = [];
  let exists = false;
  for await (const event of streamEvents(store, streamId)) {
    exists = true;
    if (happenedBy(event, at)) events.push(event);
  }
  if (!exists) return undefined;
  const folding = FOLDS[streamKind(streamId)];
  const state = folding
    ? events.reduce(
        (s, e) => folding.decider.evolve(s, folding.codec.decode(e)),
        folding.decider.initialState,
      )
    : null;
  return { streamId, revision: events.at(-1)?.revision ?? -1, state: toJson(state), events };
}

/** A decider's state as JSON: bigint as decimal text, Map as an object, Set as an array, Date as ISO. */
export function toJson(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toJson(v)]));
  if (value instanceof Set) return [...value].map(toJson);
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  }
  return value;
}
