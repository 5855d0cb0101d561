import { z } from "zod";
import { type DomainEvents, eventCodec, minorUnits } from "../../../contracts/event-codec.ts";
import { currencies } from "../../../contracts/money.ts";

// `books-<currency>`: the daily close of the books in one currency. A closed day is this event and never
// changes; what is recorded later for a closed day is counted in the next open day, with the day it belongs to.

/** Balances by account class (the account name up to its first `:`, e.g. `merchant-payable`): debit − credit. */
const classBalance = z.object({ accountClass: z.string(), balanceMinor: minorUnits });
const classMovement = z.object({ accountClass: z.string(), debitMinor: minorUnits, creditMinor: minorUnits });

export const booksEvents = {
  DayClosed: {
    schemaVersion: 1,
    data: z.object({
      currency: z.enum(currencies),
      /** YYYY-MM-DD, UTC. */
      day: z.string(),
      /** The journal's position the close was read at: postings recorded after it belong to a later day. */
      closedThroughPosition: z.string(),
      opening: z.array(classBalance),
      movements: z.array(classMovement),
      closing: z.array(classBalance),
      /** Postings of earlier, already closed days recorded since their close, by the day they belong to. */
      late: z.array(
        z.object({
          belongsTo: z.string(),
          postings: z.number().int().min(1),
          debitMinor: minorUnits,
          creditMinor: minorUnits,
        }),
      ),
    }),
  },
};

export type BooksEvent = DomainEvents<typeof booksEvents>;
export const booksCodec = eventCodec(booksEvents);
