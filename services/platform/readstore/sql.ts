import type { ProjectionState, ProjectionStatus, ReadStore, Row, Statement, TableSpec } from "./port.ts";

// Shared by the SQLite and PostgreSQL read stores so both lay out generations identically.

const IDENTIFIER = /^[a-z][a-z0-9_]*$/;

export function assertIdentifier(kind: string, name: string): void {
  if (!IDENTIFIER.test(name))
    throw new Error(`${kind} name ${JSON.stringify(name)} must match ${IDENTIFIER}`);
}

export function physicalTable(logical: string, generation: number): string {
  assertIdentifier("table", logical);
  return `${logical}__g${generation}`;
}

/** Resolves `{{table}}` tokens to the physical tables of one generation. */
export function resolveTables(sql: string, generation: number): string {
  let resolved = resolvedSql.get(generation);
  if (resolved === undefined) {
    resolved = new Map();
    resolvedSql.set(generation, resolved);
  }
  let text = resolved.get(sql);
  if (text === undefined) {
    text = sql.replace(/\{\{([a-z][a-z0-9_]*)\}\}/g, (_, logical: string) =>
      physicalTable(logical, generation),
    );
    if (resolved.size >= RESOLVED_SQL_MAX) resolved.clear();
    resolved.set(sql, text);
  }
  return text;
}

// Projections repeat a handful of SQL texts on every event: resolving each once saves the regex, and as the
// same string comes back each time, the stores' prepared-statement caches find it without hashing it anew.
// Per generation (a handful live at once); each bounded, as a projection may build texts from its data.
const RESOLVED_SQL_MAX = 1000;
const resolvedSql = new Map<number, Map<string, string>>();

export function createTableSql(
  logical: string,
  generation: number,
  spec: TableSpec,
  dialect: ReadStore["dialect"],
): string[] {
  const table = physicalTable(logical, generation);
  const clustered = spec.clustered && dialect === "sqlite" ? " WITHOUT ROWID" : "";
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (${spec.columns})${clustered}`,
    ...(spec.indexes ?? []).map(
      (columns, i) => `CREATE INDEX IF NOT EXISTS ${table}_i${i} ON ${table} (${columns})`,
    ),
    ...queryIndexSql(table, spec),
  ];
}

function queryIndexSql(table: string, spec: TableSpec): string[] {
  return (spec.queryIndexes ?? []).map(
    (columns, i) => `CREATE INDEX IF NOT EXISTS ${table}_q${i} ON ${table} (${columns})`,
  );
}

/** The tables without their query indexes, as a replay loads them (promote then builds those). */
export function withoutQueryIndexes(tables: Record<string, TableSpec>): Record<string, TableSpec> {
  return Object.fromEntries(
    Object.entries(tables).map(([logical, { queryIndexes: _, ...spec }]) => [logical, spec]),
  );
}

export function promoteSql(
  tables: Record<string, TableSpec>,
  generation: number,
  previousGeneration: number | undefined,
): string[] {
  return Object.entries(tables).flatMap(([logical, spec]) => [
    // Present already unless a replay left them out while loading.
    ...queryIndexSql(physicalTable(logical, generation), spec),
    `DROP VIEW IF EXISTS ${logical}`,
    `CREATE VIEW ${logical} AS SELECT * FROM ${physicalTable(logical, generation)}`,
    ...(previousGeneration !== undefined && previousGeneration !== generation
      ? [`DROP TABLE IF EXISTS ${physicalTable(logical, previousGeneration)}`]
      : []),
  ]);
}

export const META_TABLES = [
  `CREATE TABLE IF NOT EXISTS projection_state (
     name TEXT PRIMARY KEY, generation BIGINT NOT NULL, version BIGINT NOT NULL,
     status TEXT NOT NULL, error TEXT)`,
  `CREATE TABLE IF NOT EXISTS projection_checkpoints (
     name TEXT NOT NULL, generation BIGINT NOT NULL, position TEXT NOT NULL,
     PRIMARY KEY (name, generation))`,
];

/** The bookkeeping statements both read stores run, in the portable `?` form. */
export const META_SQL = {
  states: `SELECT s.name, s.generation, s.version, s.status, s.error, c.position
             FROM projection_state s LEFT JOIN projection_checkpoints c
               ON c.name = s.name AND c.generation = s.generation ORDER BY s.name`,
  insertCheckpoint:
    "INSERT INTO projection_checkpoints (name, generation, position) VALUES (?, ?, '0') ON CONFLICT DO NOTHING",
  insertState: `INSERT INTO projection_state (name, generation, version, status, error) VALUES (?, ?, ?, 'running', NULL)
                  ON CONFLICT (name) DO NOTHING`,
  checkpoint: "SELECT position FROM projection_checkpoints WHERE name = ? AND generation = ?",
  moveCheckpoint: "UPDATE projection_checkpoints SET position = ? WHERE name = ? AND generation = ?",
  promoteState: `INSERT INTO projection_state (name, generation, version, status, error) VALUES (?, ?, ?, 'running', NULL)
                   ON CONFLICT (name) DO UPDATE SET generation = excluded.generation, version = excluded.version,
                     status = 'running', error = NULL`,
  dropOtherCheckpoints: "DELETE FROM projection_checkpoints WHERE name = ? AND generation <> ?",
  setStatus: "UPDATE projection_state SET status = ?, error = ? WHERE name = ?",
} as const;

/** A row of META_SQL.states. */
export function toState(row: Row): ProjectionState {
  return {
    name: String(row.name),
    generation: Number(row.generation),
    version: Number(row.version),
    position: row.position === null || row.position === undefined ? "0" : String(row.position),
    status: row.status as ProjectionStatus,
    error: row.error === null ? null : String(row.error),
  };
}

const ddl = (sql: string): Statement => ({ sql, params: [] });

// Each write of the port as the statements it runs, in order; a store runs them in one transaction.

/** ReadStore.prepareGeneration: the generation's tables, its checkpoint at "0", its state (if new). */
export function prepareGenerationSteps(
  name: string,
  generation: number,
  version: number,
  tables: Record<string, TableSpec>,
  dialect: ReadStore["dialect"],
): Statement[] {
  assertIdentifier("projection", name);
  return [
    ...Object.entries(tables).flatMap(([logical, spec]) =>
      createTableSql(logical, generation, spec, dialect).map(ddl),
    ),
    { sql: META_SQL.insertCheckpoint, params: [name, generation] },
    { sql: META_SQL.insertState, params: [name, generation, version] },
  ];
}

/** ReadStore.apply: a projection's statements on the generation's tables, then its checkpoint. */
export function applySteps(
  name: string,
  generation: number,
  statements: readonly Statement[],
  position: string,
): Statement[] {
  return [
    ...statements.map((s) => ({ sql: resolveTables(s.sql, generation), params: s.params })),
    { sql: META_SQL.moveCheckpoint, params: [position, name, generation] },
  ];
}

/** ReadStore.promote: views onto the generation, older tables dropped, the generation made current. */
export function promoteSteps(
  name: string,
  generation: number,
  version: number,
  tables: Record<string, TableSpec>,
  previousGeneration: number | undefined,
): Statement[] {
  return [
    ...promoteSql(tables, generation, previousGeneration).map(ddl),
    { sql: META_SQL.promoteState, params: [name, generation, version] },
    { sql: META_SQL.dropOtherCheckpoints, params: [name, generation] },
  ];
}
