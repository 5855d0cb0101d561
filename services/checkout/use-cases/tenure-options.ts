import { meetsTenureMinimum } from "../../ledger/checkout/checkout.decider.ts";
import { creditLineDecider } from "../../ledger/creditline/creditline.decider.ts";
import { tenureEligibility } from "../../ledger/creditline/creditline.eligibility.ts";
import { creditLineStream, kredivoLine } from "../../ledger/creditline/creditline.stream.ts";
import { type LoanTerms, loanTerms } from "../../ledger/loan/loan-terms.ts";
import type { CheckoutLedger } from "./checkout-ledger.ts";

/** What the hosted page offers the buyer to choose from. */
export function tenureChoices(ledger: CheckoutLedger) {
  const { options, creditLines } = ledger;
  return {
    /**
     * The tenures this buyer may choose for this checkout, each with its loan terms: the checkout's own
     * minimum first (as Approve checks it first), then whatever PlaceHold would refuse (tenureEligibility).
     */
    async tenureOptions(
      transactionId: string,
    ): Promise<{ terms: LoanTerms; eligible: boolean; reason?: string }[]> {
      const { state, initiated } = await ledger.loadCheckout(transactionId);
      const { amountMinor } = initiated;
      const line = state.userId
        ? (await creditLines.load(creditLineStream(kredivoLine(state.userId)))).state
        : creditLineDecider.initialState;
      const now = options.now().toISOString();
      return tenureEligibility(line, { transactionId, amountMinor, now }).map((option) => {
        const terms = loanTerms(amountMinor, option.tenure, options.interestRates);
        if (!meetsTenureMinimum(amountMinor, option.tenure))
          return { terms, eligible: false, reason: "amount_must_meet_tenure_minimum" };
        return option.eligible ? { terms, eligible: true } : { terms, eligible: false, reason: option.rule };
      });
    },
  };
}
