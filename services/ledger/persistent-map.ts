/**
 * A map whose versions share one history: `with` makes a version that sees one more key, or a new value for
 * one, without copying the others, so a decider's evolve that writes one entry per event folds n events in
 * linear time (a Map copied per event made the credit line's fold quadratic). Each version sees exactly what
 * was written up to it. Writing from a version that is not its history's latest (a state evolved twice, as
 * when a command is decided again after a conflict) first copies what that version sees, once.
 *
 * Each version also keeps the sum of `measure` over its values, so an invariant over every value (the held
 * credit is the sum of the open holds) is checked per event without reading every value.
 */
export interface PersistentMap<K, V> extends ReadonlyMap<K, V> {
  /** This map with `key` set to `value`. */
  with(key: K, value: V): PersistentMap<K, V>;
  /** Σ measure(value) over this version's values. */
  readonly measured: bigint;
}

/** An empty map measuring its values with `measure` (nothing measured: zero). */
export function emptyPersistentMap<K, V>(measure: (value: V) => bigint = () => 0n): PersistentMap<K, V> {
  return new Version(new History<K, V>(measure), 0, 0, 0n);
}

/** A map holding `entries`, in their order. */
export function persistentMapOf<K, V>(
  entries: Iterable<readonly [K, V]>,
  measure?: (value: V) => bigint,
): PersistentMap<K, V> {
  let map = emptyPersistentMap<K, V>(measure);
  for (const [key, value] of entries) map = map.with(key, value);
  return map;
}

/** Writes a history keeps per key before it is copied afresh. */
const REWRITES_KEPT = 2;

interface Write<V> {
  readonly version: number;
  readonly value: V;
}

/** Every write of one lineage of versions: per key its writes in version order, keys in first-write order. */
class History<K, V> {
  readonly writes = new Map<K, Write<V>[]>();
  readonly keys: K[] = [];
  /** The version that first wrote keys[i]: never decreasing. */
  readonly firstWrites: number[] = [];
  latest = 0;
  readonly measure: (value: V) => bigint;
  constructor(measure: (value: V) => bigint) {
    this.measure = measure;
  }
}

class Version<K, V> implements PersistentMap<K, V> {
  readonly #history: History<K, V>;
  readonly #version: number;
  readonly size: number;
  readonly measured: bigint;

  constructor(history: History<K, V>, version: number, size: number, measured: bigint) {
    this.#history = history;
    this.#version = version;
    this.size = size;
    this.measured = measured;
  }

  #write(key: K): Write<V> | undefined {
    const writes = this.#history.writes.get(key);
    if (writes === undefined) return undefined;
    for (let i = writes.length - 1; i >= 0; i--) if (writes[i]!.version <= this.#version) return writes[i];
    return undefined;
  }

  get(key: K): V | undefined {
    return this.#write(key)?.value;
  }

  has(key: K): boolean {
    return this.#write(key) !== undefined;
  }

  with(key: K, value: V): PersistentMap<K, V> {
    const previous = this.#write(key);
    // An empty version starts a history of its own: a shared empty map (a decider's initial state) is
    // never claimed by the first lineage written from it. A history grown to many writes per key starts
    // afresh too, so the memory a lineage keeps stays in proportion to its keys (a copy every ~2n writes:
    // still constant time per write).
    const reuse =
      this.#version === this.#history.latest &&
      this.size > 0 &&
      this.#history.latest < REWRITES_KEPT * this.size + 8;
    const history = reuse ? this.#history : this.#copy();
    const version = history.latest + 1;
    let writes = history.writes.get(key);
    if (writes === undefined) {
      writes = [];
      history.writes.set(key, writes);
      history.keys.push(key);
      history.firstWrites.push(version);
    }
    writes.push({ version, value });
    history.latest = version;
    const { measure } = history;
    const measured = this.measured - (previous ? measure(previous.value) : 0n) + measure(value);
    return new Version(history, version, previous ? this.size : this.size + 1, measured);
  }

  /** A history holding what this version sees, written at version 0. */
  #copy(): History<K, V> {
    const copy = new History<K, V>(this.#history.measure);
    for (const [key, value] of this.entries()) {
      copy.writes.set(key, [{ version: 0, value }]);
      copy.keys.push(key);
      copy.firstWrites.push(0);
    }
    return copy;
  }

  *entries(): MapIterator<[K, V]> {
    const { keys, firstWrites } = this.#history;
    for (let i = 0; i < keys.length && firstWrites[i]! <= this.#version; i++) {
      yield [keys[i]!, this.#write(keys[i]!)!.value];
    }
  }

  *keys(): MapIterator<K> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }
}
