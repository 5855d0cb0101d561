import type { EventEnvelope } from "../../../contracts/envelope.ts";

/**
 * The envelopes of the latest commits, in position order with no gap, so the in-process subscribers (the
 * embedded service's projections, reactors and notifier) are handed what was just written instead of each
 * reading and parsing it again from the store (a CPU profile under checkout/init load put 12 % of the
 * process there). Each envelope is frozen, data and all: every subscriber is handed the same object, so one
 * that tried to change it would throw instead of changing what the next one sees.
 *
 * `after` answers only from a run it holds whole: positions are kept contiguous (a commit that does not
 * follow the last one held, such as one made by another connection to the same file, empties the cache
 * first), so the events after a held position are exactly the ones held after it.
 */
export class RecentEvents {
  readonly #capacity: number;
  #events: EventEnvelope[] = [];
  #first = 0n;

  constructor(capacity: number) {
    if (!(capacity > 0)) throw new Error(`a cache of recent events needs room for one, not ${capacity}`);
    this.#capacity = capacity;
  }

  /** Envelopes just committed, in position order. */
  add(committed: readonly EventEnvelope[]): void {
    for (const envelope of committed) {
      const position = BigInt(envelope.position);
      if (this.#events.length > 0 && position !== this.#first + BigInt(this.#events.length)) {
        this.#events = [];
      }
      if (this.#events.length === 0) this.#first = position;
      this.#events.push(deepFreeze(envelope));
    }
    const excess = this.#events.length - this.#capacity;
    if (excess > 0) {
      this.#events = this.#events.slice(excess);
      this.#first += BigInt(excess);
    }
  }

  /**
   * Up to `maxCount` held envelopes after `after`; undefined when the one right after it is not held (the
   * caller reads the store). May return fewer than are stored past the run held: the caller reads on from
   * the last one returned.
   */
  after(after: string, maxCount: number): EventEnvelope[] | undefined {
    const start = BigInt(after) + 1n - this.#first;
    if (start < 0n || start >= BigInt(this.#events.length)) return undefined;
    const from = Number(start);
    return this.#events.slice(from, from + maxCount);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
