import { DatabaseSync, type StatementSync } from "node:sqlite";
import { placeholders } from "../services/finance/read-models/multi-row.ts";
import type { SqlValue } from "../services/platform/readstore/port.ts";
import type { Projection } from "../services/platform/readstore/projection.ts";
import { createTableSql, physicalTable, withoutQueryIndexes } from "../services/platform/readstore/sql.ts";

// What writing the rebuilt read models costs at least, whatever code computes them: every row a replay left
// in its store, read back (not timed) and written again through node:sqlite into empty tables of the same
// shape, then the query indexes built, timed. A replay writes at least these rows (an upsert, a running total
// or a second pass only adds to that), so this beside the log's read ceiling bounds any replay here.

/** Rows per multi-row insert and per transaction, as the replay's own inserts go in. */
const ROWS_PER_INSERT = 64;
const ROWS_PER_TRANSACTION = 10_000;

export interface WriteFloor {
  readonly rows: number;
  /** Inserting the rows, commits included. */
  readonly insertSeconds: number;
  /** Building the query indexes once the rows are in (as promote does after a replay). */
  readonly indexSeconds: number;
}

/** Writes the generation-1 tables of `rebuiltPath` again into a new file at `floorPath`. */
export function measureWriteFloor(
  rebuiltPath: string,
  floorPath: string,
  projections: readonly Projection[],
): WriteFloor {
  const source = new DatabaseSync(rebuiltPath, { readOnly: true });
  const floor = new DatabaseSync(floorPath);
  // The replay's bulk-load settings (SqliteReadStore bulkLoad).
  floor.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536;");
  let rows = 0;
  let insertMs = 0;
  let indexMs = 0;
  const timed = (run: () => void) => {
    const began = performance.now();
    run();
    return performance.now() - began;
  };
  try {
    for (const projection of projections) {
      for (const [logical, spec] of Object.entries(withoutQueryIndexes(projection.tables))) {
        for (const ddl of createTableSql(logical, 1, spec, "sqlite")) floor.exec(ddl);
        const table = physicalTable(logical, 1);
        const read = source.prepare(`SELECT * FROM ${table}`);
        read.setReadBigInts(true);
        const inserts = new Map<number, StatementSync>();
        const columns = read.columns().length;
        const insert = (values: SqlValue[], count: number) => {
          let statement = inserts.get(count);
          if (!statement) {
            statement = floor.prepare(`INSERT INTO ${table} VALUES ${placeholders(columns, count)}`);
            inserts.set(count, statement);
          }
          insertMs += timed(() => statement.run(...values));
        };
        let values: SqlValue[] = [];
        let count = 0;
        insertMs += timed(() => floor.exec("BEGIN"));
        for (const row of read.iterate() as Iterable<Record<string, SqlValue>>) {
          values.push(...Object.values(row));
          count++;
          rows++;
          if (count === ROWS_PER_INSERT) {
            insert(values, count);
            values = [];
            count = 0;
          }
          if (rows % ROWS_PER_TRANSACTION === 0) insertMs += timed(() => floor.exec("COMMIT; BEGIN"));
        }
        if (count > 0) insert(values, count);
        insertMs += timed(() => floor.exec("COMMIT"));
        for (const [i, columnList] of (projection.tables[logical]!.queryIndexes ?? []).entries()) {
          indexMs += timed(() => floor.exec(`CREATE INDEX ${table}_q${i} ON ${table} (${columnList})`));
        }
      }
    }
    return { rows, insertSeconds: insertMs / 1000, indexSeconds: indexMs / 1000 };
  } finally {
    source.close();
    floor.close();
  }
}
