import type { SqlValue, Statement } from "../../platform/readstore/port.ts";

// Multi-row statements of the journal projection's tables.

// SQL texts depend only on row counts, so they are built once each (and the read store's prepared
// statement cache sees a handful of distinct texts).
const memo = new Map<string, string>();
export function once(key: string, build: () => string): string {
  let text = memo.get(key);
  if (text === undefined) {
    text = build();
    memo.set(key, text);
  }
  return text;
}

export const placeholders = (columns: number, rows: number): string =>
  once(`${columns}x${rows}`, () => {
    const row = `(${new Array<string>(columns).fill("?").join(", ")})`;
    return new Array<string>(rows).fill(row).join(", ");
  });

/**
 * Rows of a multi-row statement go in chunks of these sizes, largest first: a few distinct texts to
 * prepare, each far below either engine's limit on parameters (SQLite 32,766, PostgreSQL 65,535).
 */
const CHUNK_ROWS = [64, 16, 4, 1] as const;

/** One statement per chunk of rows, its text for that many rows from `sql`. */
export function chunked(rows: readonly SqlValue[][], sql: (rows: number) => string): Statement[] {
  const statements: Statement[] = [];
  let at = 0;
  for (const size of CHUNK_ROWS) {
    while (rows.length - at >= size) {
      const params: SqlValue[] = [];
      for (let row = at; row < at + size; row++) for (const value of rows[row]!) params.push(value);
      statements.push({ sql: sql(size), params });
      at += size;
    }
  }
  return statements;
}
