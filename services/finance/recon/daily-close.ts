import type { Currency } from "../../../contracts/money.ts";
import {
  type BooksRule,
  booksDecider,
  booksStream,
  type DayClose,
  nextOpenDay,
} from "../../ledger/books/books.decider.ts";
import { booksCodec } from "../../ledger/books/books.events.ts";
import { type Caller, Rejection } from "../../ledger/decider.ts";
import { commandHandler } from "../../platform/command-handler.ts";
import type { EventStore } from "../../platform/eventstore/port.ts";
import { streamEvents } from "../../platform/eventstore/stream-events.ts";
import type { ReadStore } from "../../platform/readstore/port.ts";
import { big, journalPosition } from "../queries.ts";

// The daily close (dual time): a day's movements are the postings whose effective day is that day or earlier,
// recorded (journal position) by the close, and not in an earlier close. So a posting recorded after its day
// closed is counted in the next open day, under `late` with the day it belongs to, and a closed day never
// changes. Days are UTC and close in order; closing a later day closes every open day before it first.

const accountClassOf = (account: string) => account.split(":", 1)[0] ?? account;

type Figures = Pick<DayClose, "movements" | "late">;

/** What day `day` moved, read from the journal at `position`, past what `previous` (the last close) took. */
async function figures(
  readStore: ReadStore,
  currency: Currency,
  day: string,
  position: string,
  previous: DayClose | undefined,
): Promise<Figures> {
  const rows = await readStore.query(
    `SELECT account, substr(effective_at, 1, 10) AS effective_day, COUNT(*) AS postings,
            SUM(debit_minor) AS debit_minor, SUM(credit_minor) AS credit_minor
       FROM journal_postings
      WHERE currency = ? AND position_num <= ? AND substr(effective_at, 1, 10) <= ?
        AND NOT (position_num <= ? AND substr(effective_at, 1, 10) <= ?)
      GROUP BY account, substr(effective_at, 1, 10)`,
    [currency, BigInt(position), day, BigInt(previous?.closedThroughPosition ?? "-1"), previous?.day ?? ""],
  );
  const movements = new Map<string, { debitMinor: bigint; creditMinor: bigint }>();
  const late = new Map<string, { postings: number; debitMinor: bigint; creditMinor: bigint }>();
  for (const r of rows) {
    const accountClass = accountClassOf(String(r.account));
    const debitMinor = big(r.debit_minor);
    const creditMinor = big(r.credit_minor);
    const m = movements.get(accountClass) ?? { debitMinor: 0n, creditMinor: 0n };
    movements.set(accountClass, {
      debitMinor: m.debitMinor + debitMinor,
      creditMinor: m.creditMinor + creditMinor,
    });
    const belongsTo = String(r.effective_day);
    // Before the first close everything up to the day is history, not late.
    if (previous !== undefined && belongsTo < day) {
      const l = late.get(belongsTo) ?? { postings: 0, debitMinor: 0n, creditMinor: 0n };
      late.set(belongsTo, {
        postings: l.postings + Number(r.postings),
        debitMinor: l.debitMinor + debitMinor,
        creditMinor: l.creditMinor + creditMinor,
      });
    }
  }
  const byKey = <T>(map: Map<string, T>) => [...map].sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    movements: byKey(movements).map(([accountClass, m]) => ({ accountClass, ...m })),
    late: byKey(late).map(([belongsTo, l]) => ({ belongsTo, ...l })),
  };
}

/**
 * The close that counted `day`: its own, or for a day before the first close, the first close (it opens at
 * zero and counts all history up to its day, so an earlier day is closed within it and never on its own).
 */
function closeCounting(closes: readonly DayClose[], day: string): DayClose | undefined {
  const first = closes[0];
  if (first !== undefined && day < first.day) return first;
  return closes.find((c) => c.day === day);
}

export interface DailyCloseDeps {
  readonly store: EventStore;
  readonly readStore: ReadStore;
  readonly waitForJournal: (position: string) => Promise<boolean>;
  readonly now: () => Date;
}

export type Closed =
  | { readonly outcome: "closed"; readonly closed: readonly DayClose[]; readonly day: DayClose }
  | { readonly outcome: "journal_behind" }
  | { readonly outcome: "day_not_over"; readonly day: string };

export function dailyClose(deps: DailyCloseDeps) {
  const books = commandHandler(deps.store, booksDecider, booksCodec);
  const closesOf = async (currency: Currency): Promise<DayClose[]> => {
    const closes: DayClose[] = [];
    for await (const envelope of streamEvents(deps.store, booksStream(currency))) {
      closes.push(booksCodec.decode(envelope).data);
    }
    return closes;
  };
  return {
    closesOf,
    /** The close that counted `day` (for a day before the first close, the first close), if any. */
    closeOf: async (currency: Currency, day: string) => closeCounting(await closesOf(currency), day),
    /** Closes every open day of `currency` up to and including `day`, each on its own, in order. */
    async closeThrough(currency: Currency, day: string, caller: Caller): Promise<Closed> {
      if (!(await deps.waitForJournal(await deps.store.headPosition()))) return { outcome: "journal_behind" };
      const position = await journalPosition(deps.readStore);
      const streamId = booksStream(currency);
      const closed: DayClose[] = [];
      // Read once; each close hands the next one the state it left (the append still checks the revision).
      let known = await books.load(streamId);
      for (;;) {
        const { state } = known;
        const next = nextOpenDay(state) ?? day;
        if (next > day) break;
        const close = {
          currency,
          day: next,
          closedThroughPosition: position,
          ...(await figures(deps.readStore, currency, next, position, state.last)),
        };
        try {
          const handled = await books.handle(
            streamId,
            { type: "CloseDay", close },
            { ...caller, now: deps.now().toISOString(), tenantId: "finance" },
            known,
          );
          closed.push(...handled.events.map((e) => e.data));
          known = { state: handled.state, revision: handled.revision };
        } catch (error) {
          const notOver: BooksRule = "day_must_be_over";
          if (error instanceof Rejection && error.rule === notOver)
            return { outcome: "day_not_over", day: next };
          throw error;
        }
        if (next === day) break;
      }
      const target = closeCounting(await closesOf(currency), day);
      if (!target) return { outcome: "day_not_over", day };
      return { outcome: "closed", closed, day: target };
    },
  };
}

export type DailyClose = ReturnType<typeof dailyClose>;
