import type { EventEnvelope } from "../../../contracts/envelope.ts";
import type { Statement, TableSpec } from "./port.ts";

/**
 * A projection is a pure function from one event to the changes it makes to its read model
 * (DESIGN.md "Read models"). The runner applies those changes and the checkpoint in one transaction, so a
 * projection is exactly-once on its own store, and the same code runs on SQLite and PostgreSQL.
 * Bump `version` whenever `tables` or `handle` change meaning: the runner then rebuilds it blue/green.
 */
export interface Projection {
  readonly name: string;
  readonly version: number;
  readonly tables: Record<string, TableSpec>;
  handle(event: EventEnvelope): readonly Statement[];
  /**
   * Optional: the changes of a run of events at once, with the same effect as `handle` on each in turn
   * (fewer, larger statements). Throws if `handle` would throw on any of them, before making any change.
   */
  handleBatch?(events: readonly EventEnvelope[]): readonly Statement[];
  /**
   * Optional: how `ledger replay` builds this read model, from position 0 into a fresh store in one pass,
   * keeping state between runs of events in memory where the live statements would read it back from the
   * store. It must leave exactly the rows `handle` on each event in turn leaves (`ledger verify` checks).
   */
  replayer?(): Replayer;
}

/** One replay's pass over the log for one projection (see Projection.replayer). */
export interface Replayer {
  /** The changes of the next run of events; every earlier run went through this replayer. */
  next(events: readonly EventEnvelope[]): readonly Statement[];
  /** What the replayer held in memory, written after the last run and before the read model is promoted. */
  finish(): readonly Statement[];
}

export function sql(strings: TemplateStringsArray, ...params: Statement["params"]): Statement {
  return { sql: strings.join("?"), params };
}
