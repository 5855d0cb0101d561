import type { Tenure } from "../creditline/creditline.events.ts";

/** Monthly interest per tenure in basis points (config); the seed's tenure 1 is interest-free. */
export type InterestRates = Readonly<Record<Tenure, number>>;

export const DEFAULT_INTEREST_RATES: InterestRates = { 1: 0, 3: 295, 6: 295, 12: 295 };
/** Seed: a 1 % processing fee on the loan amount. */
export const PROCESSING_FEE_BPS = 100;

export interface LoanTerms {
  readonly tenure: Tenure;
  readonly amountMinor: bigint;
  readonly interestRateBps: number;
  readonly interestMinor: bigint;
  readonly processingFeeMinor: bigint;
  /** amount + interest: what the instalments repay. */
  readonly totalMinor: bigint;
  /** total + processing fee: everything the buyer pays back. */
  readonly paybackMinor: bigint;
  readonly monthlyInstallmentMinor: bigint;
}

/** amount × bps / 10,000, rounded half up: integer arithmetic only. */
export function applyBps(amountMinor: bigint, bps: number | bigint): bigint {
  return (amountMinor * BigInt(bps) + 5_000n) / 10_000n;
}

/**
 * The one loan calculation used by the loan calculator, the hosted checkout page and the postings.
 * Interest is flat: amount × monthly rate × tenure. The monthly instalment is the total divided by the
 * tenure rounded up, so the instalments never fall short of the total (the last one absorbs the excess).
 * Seed example: 1,000,000 for tenure 1 → processing fee 10,000, payback 1,010,000.
 */
export function loanTerms(
  amountMinor: bigint,
  tenure: Tenure,
  rates: InterestRates = DEFAULT_INTEREST_RATES,
): LoanTerms {
  const interestRateBps = rates[tenure];
  const interestMinor = applyBps(amountMinor, interestRateBps * tenure);
  const processingFeeMinor = applyBps(amountMinor, PROCESSING_FEE_BPS);
  const totalMinor = amountMinor + interestMinor;
  const t = BigInt(tenure);
  return {
    tenure,
    amountMinor,
    interestRateBps,
    interestMinor,
    processingFeeMinor,
    totalMinor,
    paybackMinor: totalMinor + processingFeeMinor,
    monthlyInstallmentMinor: (totalMinor + t - 1n) / t,
  };
}
