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
}

export function sql(strings: TemplateStringsArray, ...params: Statement["params"]): Statement {
  return { sql: strings.join("?"), params };
}
