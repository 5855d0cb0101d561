// Plain-text report helpers for the benchmark runner: aligned tables, number formats, percentiles.

export type Cell = string | number;

export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  /** Lines printed under the table (method, caveats). */
  readonly notes?: readonly string[];
}

export function printHeading(text: string): void {
  console.log(`\n${text}\n${"=".repeat(text.length)}`);
}

export function printTable(table: Table): void {
  const cells = table.rows.map((row) => row.map((cell) => (typeof cell === "number" ? fmtNum(cell) : cell)));
  const widths = table.columns.map((column, i) =>
    Math.max(column.length, ...cells.map((row) => (row[i] ?? "").length)),
  );
  // Text columns align left; columns whose cells all start like a number align right.
  const numeric = table.columns.map((_, i) =>
    cells.every((row) => /^[-+]?[\d.,]|^[x×]|^-$/.test(row[i] ?? "0")),
  );
  const line = (row: readonly string[]) =>
    `| ${row.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(" | ")} |`;
  console.log(`\n${table.title}\n`);
  console.log(line(table.columns));
  console.log(
    `|${widths.map((w, i) => (numeric[i] ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`,
  );
  for (const row of cells) console.log(line(row));
  for (const note of table.notes ?? []) console.log(`  ${note}`);
}

/** Thousands-separated integer, or up to two decimals below 100. */
export function fmtNum(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100 || Number.isInteger(value)) return Math.round(value).toLocaleString("en-US");
  return value.toFixed(2);
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return "-";
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

export function fmtRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(0)} %` : "-";
}

export function fmtSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Nearest-rank percentile of unsorted samples (sorts a copy); NaN when empty. */
export function percentile(samples: readonly number[] | Float64Array, p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function passFail(ok: boolean): string {
  return ok ? "PASS" : "FAIL";
}

/** A target printed with PASS/FAIL next to its figure, and again in the runner's summary. */
export interface Target {
  readonly name: string;
  readonly wanted: string;
  readonly measured: string;
  readonly ok: boolean;
}

/** What the runner hands every section: a fresh temp directory, figures shared between sections, targets. */
export interface BenchContext {
  /** Fresh, empty, removed by the runner when the run ends. */
  readonly dir: string;
  /** Figures a later section reads (e.g. "sqlite.append.separate.c50.appendsPerSecond"). */
  readonly figures: Map<string, number>;
  readonly targets: Target[];
}

export type Section = (ctx: BenchContext) => Promise<void>;

export function printTarget(target: Target): void {
  console.log(
    `  target: ${target.name}: ${target.wanted}; measured ${target.measured} → ${passFail(target.ok)}`,
  );
}
