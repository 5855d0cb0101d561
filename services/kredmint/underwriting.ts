import { parseJsonPreservingNumbers, parseMoney } from "../../contracts/money.ts";

// Underwriting of a partner user's financial data (README "Partner API", underwriting). The file is the user's
// monthly revenue, in one of two documented formats:
//
//   csv   a header `month,revenue`, then one row per month: `2024-01,150000.50`
//   json  {"monthlyRevenue": [{"month": "2024-01", "revenue": 150000.50}, …]}   (revenue a number or a string)
//
// `month` is YYYY-MM (each month once), `revenue` INR with at most 2 decimals, not negative; 1 to 120 months.
// The rule proposes a limit; an operator decides (approve with a limit, or reject):
//
//   fewer than MIN_MONTHS months            → proposes 0 (too little history)
//   otherwise                               → the average revenue of the latest RECENT_MONTHS months,
//                                             rounded down to a whole ₹1,000, at most ₹10,00,000

export const MIN_MONTHS = 3;
export const RECENT_MONTHS = 6;
export const MAX_MONTHS = 120;
/** ₹10,00,000.00 in paise. */
export const MAX_PROPOSED_LIMIT_MINOR = 100_000_000n;
/** ₹1,000.00 in paise. */
const ROUNDING_MINOR = 100_000n;

export type FinancialDataFormat = "csv" | "json";

export interface MonthlyRevenue {
  readonly month: string;
  readonly revenueMinor: bigint;
}

export interface Proposal {
  readonly months: number;
  readonly proposedLimitMinor: bigint;
  /** Why this limit, in words, for the operator. */
  readonly basis: string;
}

/** The rows of a file, or what is wrong with it (`<where>: <what is wrong and how to fix it>`). */
export type ParsedFinancialData = { ok: true; rows: MonthlyRevenue[] } | { ok: false; reason: string };

const MONTH = /^[0-9]{4}-(0[1-9]|1[0-2])$/;

export function parseFinancialData(format: FinancialDataFormat, text: string): ParsedFinancialData {
  const entries = format === "csv" ? csvEntries(text) : jsonEntries(text);
  if (!entries.ok) return entries;
  if (entries.rows.length === 0) {
    return { ok: false, reason: "has no months; send at least one row of month and revenue" };
  }
  if (entries.rows.length > MAX_MONTHS) {
    return { ok: false, reason: `has more than ${MAX_MONTHS} months; send the latest ${MAX_MONTHS} at most` };
  }
  const rows: MonthlyRevenue[] = [];
  const seen = new Set<string>();
  for (const { where, month, revenue } of entries.rows) {
    if (typeof month !== "string" || !MONTH.test(month)) {
      return { ok: false, reason: `${where}: month must be YYYY-MM, e.g. 2024-01` };
    }
    if (seen.has(month))
      return { ok: false, reason: `${where}: month ${month} is there twice; send it once` };
    seen.add(month);
    const amount = parseMoney(revenue, "INR");
    if (!amount.ok) {
      return {
        ok: false,
        reason: `${where}: revenue must be an INR amount of at most 2 decimals, not negative, e.g. 150000.50`,
      };
    }
    rows.push({ month, revenueMinor: amount.value.amountMinor });
  }
  return { ok: true, rows };
}

/** The rule: average revenue of the latest months, rounded down to ₹1,000, capped. */
export function proposeLimit(rows: readonly MonthlyRevenue[]): Proposal {
  if (rows.length < MIN_MONTHS) {
    return {
      months: rows.length,
      proposedLimitMinor: 0n,
      basis: `${rows.length} month(s) of revenue, fewer than ${MIN_MONTHS}: no limit proposed`,
    };
  }
  const recent = [...rows].sort((a, b) => b.month.localeCompare(a.month)).slice(0, RECENT_MONTHS);
  const totalMinor = recent.reduce((sum, row) => sum + row.revenueMinor, 0n);
  const averageMinor = totalMinor / BigInt(recent.length);
  const rounded = (averageMinor / ROUNDING_MINOR) * ROUNDING_MINOR;
  const proposedLimitMinor = rounded > MAX_PROPOSED_LIMIT_MINOR ? MAX_PROPOSED_LIMIT_MINOR : rounded;
  return {
    months: rows.length,
    proposedLimitMinor,
    basis: `average monthly revenue of the latest ${recent.length} months, rounded down to Rs 1000, at most Rs 1000000`,
  };
}

type Entries =
  | { ok: true; rows: { where: string; month: unknown; revenue: unknown }[] }
  | { ok: false; reason: string };

function csvEntries(text: string): Entries {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  const header = lines[0]
    ?.replace(/^\uFEFF/, "")
    .toLowerCase()
    .replace(/\s+/g, "");
  if (header !== "month,revenue") {
    return { ok: false, reason: "line 1: must be the header month,revenue; send the documented csv format" };
  }
  const rows = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line === "") continue;
    const cells = line.split(",").map((cell) => cell.trim());
    if (cells.length !== 2) {
      return {
        ok: false,
        reason: `line ${i + 1}: must be two cells, month and revenue, e.g. 2024-01,150000.50`,
      };
    }
    rows.push({ where: `line ${i + 1}`, month: cells[0], revenue: cells[1] });
    if (rows.length > MAX_MONTHS) break;
  }
  return { ok: true, rows };
}

function jsonEntries(text: string): Entries {
  let document: unknown;
  try {
    document = parseJsonPreservingNumbers(text);
  } catch {
    return { ok: false, reason: "is not well-formed JSON; send the documented json format" };
  }
  const list =
    document !== null && typeof document === "object" && "monthlyRevenue" in document
      ? document.monthlyRevenue
      : undefined;
  if (!Array.isArray(list)) {
    return {
      ok: false,
      reason: 'must be an object with a "monthlyRevenue" array; send the documented json format',
    };
  }
  const rows = list.slice(0, MAX_MONTHS + 1).map((entry: unknown, index) => {
    const where = `monthlyRevenue[${index}]`;
    if (entry === null || typeof entry !== "object") return { where, month: undefined, revenue: undefined };
    return {
      where,
      month: "month" in entry ? entry.month : undefined,
      revenue: "revenue" in entry ? entry.revenue : undefined,
    };
  });
  return { ok: true, rows };
}
