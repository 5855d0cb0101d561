import type { ReadStore } from "../platform/readstore/port.ts";

/**
 * Where the publisher keeps the position of the last event the broker acknowledged. It is saved only after
 * the acknowledgement, so a crash between the two re-sends the last page (at least once, never a gap).
 */
export interface PublisherCheckpoint {
  /** The last acknowledged position, "0" before the first event. */
  load(): Promise<string>;
  save(position: string): Promise<void>;
}

/** For unit tests and benchmarks: forgets everything with the process. */
export class InMemoryPublisherCheckpoint implements PublisherCheckpoint {
  #position: string;

  constructor(position = "0") {
    this.#position = position;
  }

  async load(): Promise<string> {
    return this.#position;
  }

  async save(position: string): Promise<void> {
    this.#position = position;
  }
}

/**
 * The checkpoint as a table-less generation in the read store, as the reactors keep theirs: generation 1
 * of `name` (default "publisher") with no tables, moved by `apply(name, 1, [], position)`. It needs no schema
 * of its own, works on every read store (SQLite and PostgreSQL), and shows up in `projectionStates()` (so in
 * /readyz) with its position. It is never rebuilt: a publisher restarted from "0" would re-send the whole
 * log, which consumers dedupe but nobody wants.
 */
export class ReadStorePublisherCheckpoint implements PublisherCheckpoint {
  readonly #readStore: ReadStore;
  readonly #name: string;
  #prepared: Promise<void> | undefined;

  constructor(readStore: ReadStore, name = "publisher") {
    this.#readStore = readStore;
    this.#name = name;
  }

  #prepare(): Promise<void> {
    this.#prepared ??= (async () => {
      if (await this.#readStore.projectionState(this.#name)) return;
      await this.#readStore.prepareGeneration(this.#name, 1, 1, {});
      await this.#readStore.promote(this.#name, 1, 1, {});
    })().catch((error: unknown) => {
      this.#prepared = undefined;
      throw error;
    });
    return this.#prepared;
  }

  async load(): Promise<string> {
    await this.#prepare();
    return this.#readStore.generationPosition(this.#name, 1);
  }

  async save(position: string): Promise<void> {
    await this.#prepare();
    await this.#readStore.apply(this.#name, 1, [], position);
  }
}
