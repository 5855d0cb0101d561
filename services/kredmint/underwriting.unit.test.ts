import { describe, expect, it } from "vitest";
import { MAX_PROPOSED_LIMIT_MINOR, parseFinancialData, proposeLimit } from "./underwriting.ts";

const csv = (...rows: string[]) => ["month,revenue", ...rows].join("\n");
const rowsOf = (result: ReturnType<typeof parseFinancialData>) => {
  if (!result.ok) throw new Error(result.reason);
  return result.rows;
};

describe("financial data, csv", () => {
  it("reads month and revenue rows exactly (paise), skipping blank lines and a BOM", () => {
    const text = `\uFEFF${csv("2024-01,150000.50", "", "2024-02, 1000.5 ")}\r\n`;
    expect(rowsOf(parseFinancialData("csv", text))).toEqual([
      { month: "2024-01", revenueMinor: 15_000_050n },
      { month: "2024-02", revenueMinor: 100_050n },
    ]);
  });
  it.each([
    ["another header", "date,amount\n2024-01,1", "line 1: must be the header month,revenue"],
    ["three cells", csv("2024-01,1,2"), "line 2: must be two cells"],
    ["a bad month", csv("2024-13,1"), "line 2: month must be YYYY-MM"],
    ["a month twice", csv("2024-01,1", "2024-01,2"), "line 3: month 2024-01 is there twice"],
    ["three decimals", csv("2024-01,1.005"), "line 2: revenue must be an INR amount"],
    ["a negative revenue", csv("2024-01,-5"), "line 2: revenue must be an INR amount"],
    ["no rows", csv(), "has no months"],
    [
      "too many rows",
      csv(
        ...Array.from(
          { length: 121 },
          (_, i) => `${2000 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, "0")},1`,
        ),
      ),
      "has more than 120 months",
    ],
  ])("refuses %s, saying where", (_, text, reason) => {
    const result = parseFinancialData("csv", text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});

describe("financial data, json", () => {
  it("reads monthlyRevenue with numbers (exact, never a float) or strings", () => {
    const text =
      '{"monthlyRevenue":[{"month":"2024-01","revenue":150000.10},{"month":"2024-02","revenue":"20"}]}';
    expect(rowsOf(parseFinancialData("json", text))).toEqual([
      { month: "2024-01", revenueMinor: 15_000_010n },
      { month: "2024-02", revenueMinor: 2_000n },
    ]);
  });
  it.each([
    ["malformed JSON", "{", "is not well-formed JSON"],
    ["no monthlyRevenue", '{"rows":[]}', 'must be an object with a "monthlyRevenue" array'],
    ["an entry that is no object", '{"monthlyRevenue":[1]}', "monthlyRevenue[0]: month must be YYYY-MM"],
    [
      "a revenue that is no amount",
      '{"monthlyRevenue":[{"month":"2024-01","revenue":true}]}',
      "monthlyRevenue[0]: revenue",
    ],
  ])("refuses %s, saying where", (_, text, reason) => {
    const result = parseFinancialData("json", text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});

describe("the underwriting rule", () => {
  const months = (...revenuesMinor: bigint[]) =>
    revenuesMinor.map((revenueMinor, i) => ({
      month: `2024-${String(i + 1).padStart(2, "0")}`,
      revenueMinor,
    }));

  it("proposes nothing for fewer than 3 months", () => {
    expect(proposeLimit(months(10_000_000n, 10_000_000n)).proposedLimitMinor).toBe(0n);
  });
  it("proposes the average of the latest 6 months, rounded down to Rs 1000", () => {
    // Jan and Feb are older than the latest 6 (Mar..Aug); their revenue does not count.
    const rows = months(
      99_900_000n,
      99_900_000n,
      10_000_000n,
      10_000_000n,
      10_000_000n,
      10_000_000n,
      10_000_000n,
      10_099_999n,
    );
    expect(proposeLimit(rows)).toMatchObject({ months: 8, proposedLimitMinor: 10_000_000n });
  });
  it("whatever order the months come in", () => {
    const rows = months(12_345_600n, 12_345_600n, 12_345_600n).reverse();
    expect(proposeLimit(rows).proposedLimitMinor).toBe(12_300_000n);
  });
  it("at most Rs 10,00,000", () => {
    expect(proposeLimit(months(900_000_000n, 900_000_000n, 900_000_000n)).proposedLimitMinor).toBe(
      MAX_PROPOSED_LIMIT_MINOR,
    );
  });
});
