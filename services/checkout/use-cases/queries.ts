import type { CalculatorRequest } from "../../../contracts/checkout/calculator.ts";
import { MIN_INSTALLMENT_AMOUNT_MINOR, meetsTenureMinimum } from "../../ledger/checkout/checkout.decider.ts";
import { Rejection } from "../../ledger/decider.ts";
import { type LoanTerms, loanTerms } from "../../ledger/loan/loan-terms.ts";
import type { CheckoutLedger } from "./checkout-ledger.ts";
import type { CheckoutUseCaseRule } from "./rules.ts";

/** What a merchant may ask without changing anything: a transaction's status, a loan's terms. */
export function checkoutQueries(ledger: CheckoutLedger) {
  const { options, readStore } = ledger;
  return {
    /**
     * loan/calculator: the terms of `amount` over `tenure` by loanTerms, the one calculation the hosted page
     * and the settlement use, under the installment minimum checkout/init applies.
     */
    async loanCalculator(request: CalculatorRequest): Promise<LoanTerms> {
      await ledger.merchantByKey(request.server_key);
      const { amountMinor } = request.amount;
      if (!meetsTenureMinimum(amountMinor, request.tenure)) {
        throw new Rejection<CheckoutUseCaseRule>("loan_amount_must_meet_tenure_minimum", {
          minimumMinor: MIN_INSTALLMENT_AMOUNT_MINOR,
          tenure: request.tenure,
        });
      }
      return loanTerms(amountMinor, request.tenure, options.interestRates);
    },

    /** The transaction as the status view sees it, for the merchant that owns it. */
    async status(serverKey: string, transactionId: string) {
      const { merchantId } = await ledger.merchantByKey(serverKey);
      const [row] = await readStore.query(
        "SELECT * FROM checkout_transactions WHERE transaction_id = ? AND merchant_id = ?",
        [transactionId, merchantId],
      );
      if (!row) {
        throw new Rejection<CheckoutUseCaseRule>("transaction_must_be_known_to_merchant", { transactionId });
      }
      return row;
    },
  };
}
