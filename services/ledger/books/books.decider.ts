import type { EventData } from "../../../contracts/event-codec.ts";
import { type Decider, invariant, Rejection, unhandled } from "../decider.ts";
import type { BooksEvent } from "./books.events.ts";

export type DayClose = EventData<BooksEvent, "DayClosed">;

/** Every rule CloseDay can break, in precedence order. */
export type BooksRule = "day_must_be_over" | "day_must_follow_the_last_closed";

export type BooksCommand = {
  readonly type: "CloseDay";
  /** The figures, read from the journal at `closedThroughPosition` (recon/daily-close.ts). */
  readonly close: Omit<DayClose, "opening" | "closing">;
};

export interface BooksState {
  readonly last: DayClose | undefined;
}

const nextDay = (day: string) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** The day after the last closed one: the only day that may close next (none closed yet: any day). */
export function nextOpenDay(state: BooksState): string | undefined {
  return state.last === undefined ? undefined : nextDay(state.last.day);
}

/**
 * Rules, in precedence order: day_must_be_over (its end, midnight UTC, is not after now),
 * day_must_follow_the_last_closed (days close in order, none skipped). A day closed already is a no-op,
 * so a retried close changes nothing. Opening is the last closing; closing is opening plus the movements.
 */
function closeDay(command: BooksCommand, state: BooksState, now: string): BooksEvent[] {
  const { close } = command;
  if (state.last !== undefined && close.day <= state.last.day) return [];
  if (`${nextDay(close.day)}T00:00:00.000Z` > now)
    throw new Rejection<BooksRule>("day_must_be_over", { day: close.day });
  const expected = nextOpenDay(state);
  if (expected !== undefined && close.day !== expected) {
    throw new Rejection<BooksRule>("day_must_follow_the_last_closed", { day: close.day, next: expected });
  }
  const opening = state.last?.closing ?? [];
  const balances = new Map(opening.map((b) => [b.accountClass, b.balanceMinor]));
  for (const m of close.movements) {
    balances.set(m.accountClass, (balances.get(m.accountClass) ?? 0n) + m.debitMinor - m.creditMinor);
  }
  const closing = [...balances]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([accountClass, balanceMinor]) => ({ accountClass, balanceMinor }));
  return [{ type: "DayClosed", data: { ...close, opening, closing } }];
}

type Balances = DayClose["closing"];
const sameBalances = (a: Balances, b: Balances) =>
  a.length === b.length &&
  a.every((x, i) => x.accountClass === b[i]?.accountClass && x.balanceMinor === b[i]?.balanceMinor);

const total = (balances: readonly { balanceMinor: bigint }[]) =>
  balances.reduce((sum, b) => sum + b.balanceMinor, 0n);

export const booksDecider: Decider<BooksCommand, BooksEvent, BooksState> = {
  initialState: { last: undefined },
  decide(command, state, meta) {
    switch (command.type) {
      case "CloseDay":
        return closeDay(command, state, meta.now);
      default:
        return unhandled(command.type);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case "DayClosed": {
        const d = event.data;
        // docs/guarantees.md: the books balance every day, and each day opens where the last one closed.
        invariant(total(d.closing) === 0n, `${d.currency} books closed ${d.day} unbalanced`);
        invariant(
          sameBalances(d.opening, state.last?.closing ?? []),
          `${d.currency} ${d.day} does not open where the last day closed`,
        );
        return { last: d };
      }
      default:
        return unhandled(event.type);
    }
  },
};

export const booksStream = (currency: string) => `books-${currency}`;
