/**
 * A list newest first whose cells are never changed: adding a value makes one cell that shares every older
 * one. A decider's evolve adds to its state this way without copying it, so folding n events stays linear
 * (a Set or Map copied per event made the bank statement's and the user token's folds quadratic).
 */
export type PersistentList<T> = { readonly value: T; readonly earlier: PersistentList<T> } | undefined;

export const prepend = <T>(list: PersistentList<T>, value: T): PersistentList<T> => ({
  value,
  earlier: list,
});

export function* newestFirst<T>(list: PersistentList<T>): Generator<T> {
  for (let cell = list; cell !== undefined; cell = cell.earlier) yield cell.value;
}

/** The newest value that satisfies `predicate`. */
export function findNewest<T>(list: PersistentList<T>, predicate: (value: T) => boolean): T | undefined {
  for (const value of newestFirst(list)) if (predicate(value)) return value;
  return undefined;
}

/** Whether the list holds `value` (compared with ===). */
export const includes = <T>(list: PersistentList<T>, value: T): boolean =>
  findNewest(list, (held) => held === value) !== undefined;
