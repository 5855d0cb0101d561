import { availableFor, creditLineStream } from "../../ledger/creditline/creditline.decider.ts";
import type { Tenure } from "../../ledger/creditline/creditline.events.ts";
import { type LoanTerms, loanTerms } from "../../ledger/loan/loan-terms.ts";
import type { CheckoutLedger } from "./checkout-ledger.ts";

const TENURES: readonly Tenure[] = [1, 3, 6, 12];

/** What the hosted page offers the buyer to choose from. */
export function tenureChoices(ledger: CheckoutLedger) {
  const { options, creditLines } = ledger;
  return {
    /** The tenures this buyer may choose for this checkout, each with its loan terms. */
    async tenureOptions(
      transactionId: string,
    ): Promise<{ terms: LoanTerms; eligible: boolean; reason?: string }[]> {
      const { state, initiated } = await ledger.loadCheckout(transactionId);
      const line = state.userId ? (await creditLines.load(creditLineStream(state.userId))).state : undefined;
      return TENURES.map((tenure) => {
        const terms = loanTerms(initiated.amountMinor, tenure, options.interestRates);
        if (tenure !== 1 && initiated.amountMinor < 700_000n)
          return { terms, eligible: false, reason: "amount_must_meet_tenure_minimum" };
        if (!line?.perTenureMinor.has(tenure))
          return { terms, eligible: false, reason: "tenure_must_be_offered" };
        const eligible = availableFor(line, tenure) >= initiated.amountMinor;
        return eligible ? { terms, eligible } : { terms, eligible, reason: "credit_limit_must_cover_amount" };
      });
    },
  };
}
