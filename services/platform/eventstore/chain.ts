import { createHash } from "node:crypto";
import type { EventEnvelope } from "../../../contracts/envelope.ts";

// The tamper-evident log (docs/audit.md "The hash chain"): every event carries sha256 over its predecessor's
// hash and the canonical encoding of its own envelope, so changing, removing or reordering any stored event
// breaks the chain at that event (or, for a removal, at the one after it).

/** The predecessor of the first event: 64 zeros. */
export const GENESIS_HASH = "0".repeat(64);

/** The envelope as the chain sees it: every field but the position, and data as its stored JSON text. */
export type ChainedFields = Omit<EventEnvelope, "position" | "data">;

/** One stored event with its stored hash, as read back for verification. */
export interface ChainLink extends ChainedFields {
  readonly position: string;
  /** The event's data exactly as stored (JSON text). */
  readonly dataJson: string;
  readonly hash: string;
}

/** The last event's position and hash: position "0" and the genesis hash while the log is empty. */
export interface ChainHead {
  readonly position: string;
  readonly hash: string;
}

export const EMPTY_CHAIN: ChainHead = { position: "0", hash: GENESIS_HASH };

/**
 * The canonical encoding: the JSON array of the envelope's fields in this order, a line feed, then the data's
 * stored JSON text. The position is left out: PostgreSQL positions have gaps and EventStoreDB assigns them at
 * commit, while the chain's links already fix the order.
 */
export function canonicalEncoding(fields: ChainedFields, dataJson: string): string {
  return `${JSON.stringify([
    fields.eventId,
    fields.streamId,
    fields.revision,
    fields.type,
    fields.schemaVersion,
    fields.occurredAt,
    fields.recordedAt,
    fields.correlationId,
    fields.causationId,
    fields.tenantId,
    fields.actor,
  ])}\n${dataJson}`;
}

/** sha256 (hex) over the predecessor's hash, a line feed and the canonical encoding. */
export function chainHash(previousHash: string, fields: ChainedFields, dataJson: string): string {
  return createHash("sha256")
    .update(previousHash)
    .update("\n")
    .update(canonicalEncoding(fields, dataJson))
    .digest("hex");
}

/** Where the chain first fails to hold, and why. */
export interface ChainBreak {
  readonly position: string;
  readonly reason: string;
}

export type ChainVerdict =
  | { readonly ok: true; readonly head: ChainHead; readonly events: number }
  | { readonly ok: false; readonly broken: ChainBreak; readonly events: number };

/**
 * Walks stored links in log order from `from` (a head recorded earlier, EMPTY_CHAIN for the whole log) and
 * recomputes each hash from its predecessor's: the first link whose stored hash differs is the first bad
 * position. A changed event fails at itself, a removed one at its successor, two swapped at the earlier.
 */
export async function verifyChain(
  pages: AsyncIterable<readonly ChainLink[]>,
  from: ChainHead = EMPTY_CHAIN,
  onProgress?: (events: number) => void,
): Promise<ChainVerdict> {
  let head = from;
  let events = 0;
  for await (const page of pages) {
    for (const link of page) {
      if (BigInt(link.position) <= BigInt(head.position)) {
        return broken(link.position, `position does not follow ${head.position}`, events);
      }
      if (chainHash(head.hash, link, link.dataJson) !== link.hash) {
        const reason =
          "its stored hash is not sha256 over its predecessor's hash and its envelope: this event was changed, " +
          "or the one before it was removed or moved";
        return broken(link.position, reason, events);
      }
      head = { position: link.position, hash: link.hash };
      events++;
    }
    onProgress?.(events);
  }
  return { ok: true, head, events };
}

function broken(position: string, reason: string, events: number): ChainVerdict {
  return { ok: false, broken: { position, reason }, events };
}
