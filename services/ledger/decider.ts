/**
 * A decider (as in Emmett and Equinox): the whole behaviour of one stream kind as pure functions.
 * `decide` answers a command with new events or a Rejection; `evolve` folds events into state.
 * Nothing here reads a clock or does I/O: time and identity arrive in CommandMeta.
 */
export interface Decider<Command, Event, State> {
  readonly initialState: State;
  decide(command: Command, state: State, meta: CommandMeta): readonly Event[];
  evolve(state: State, event: Event): State;
}

/** Who asks, for the event metadata: the use cases of every context take one. */
export interface Caller {
  readonly actor: string;
  readonly correlationId: string;
  readonly causationId: string;
}

export interface CommandMeta extends Caller {
  /** Business time of the command, ISO 8601; the only clock a decider sees. */
  readonly now: string;
  readonly tenantId: string;
}

/**
 * Bad input or a command the current state does not allow, named as the rule it broke. Each decider names
 * its rules in a union (`Rejection<CheckoutRule>`), so an edge's mapping table to wire codes is checked.
 */
export class Rejection<Rule extends string = string> extends Error {
  override name = "Rejection";
  readonly rule: Rule;
  readonly detail: Record<string, unknown>;
  constructor(rule: Rule, detail: Record<string, unknown> = {}) {
    super(rule);
    this.rule = rule;
    this.detail = detail;
  }
}

/** A broken invariant is a bug, never bad input: it crashes loudly (docs/guarantees.md). */
export class InvariantViolation extends Error {
  override name = "InvariantViolation";
}

export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new InvariantViolation(message);
}

/** Exhaustiveness check for a decider's switch: a command it does not handle fails to compile. */
export function unhandled(value: never): never {
  throw new InvariantViolation(`unhandled case ${JSON.stringify(value)}`);
}

export function fold<Event, State>(
  decider: Pick<Decider<unknown, Event, State>, "initialState" | "evolve">,
  events: readonly Event[],
): State {
  return events.reduce(decider.evolve, decider.initialState);
}
