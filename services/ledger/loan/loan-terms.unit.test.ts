import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loanTerms } from "./loan-terms.ts";

describe("loan terms", () => {
  it("matches the seed's example: 1,000,000 over 1 month", () => {
    expect(loanTerms(1_000_000n, 1)).toMatchObject({
      interestMinor: 0n,
      processingFeeMinor: 10_000n,
      totalMinor: 1_000_000n,
      paybackMinor: 1_010_000n,
      monthlyInstallmentMinor: 1_000_000n,
    });
  });

  it("charges flat monthly interest and rounds the instalment up", () => {
    const terms = loanTerms(1_000_000n, 3, { 1: 0, 3: 295, 6: 295, 12: 295 });
    expect(terms.interestMinor).toBe(88_500n);
    expect(terms.monthlyInstallmentMinor).toBe(362_834n);
  });

  it("instalments always cover the total and overshoot by less than one per month", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.constantFrom(1, 3, 6, 12) as fc.Arbitrary<1 | 3 | 6 | 12>,
        (amount, tenure) => {
          const t = loanTerms(amount, tenure);
          const paid = t.monthlyInstallmentMinor * BigInt(tenure);
          expect(paid >= t.totalMinor).toBe(true);
          expect(paid - t.totalMinor < BigInt(tenure)).toBe(true);
        },
      ),
    );
  });
});
