import { buyerApproval } from "./use-cases/approval.ts";
import { buyerAdmin } from "./use-cases/buyer-admin.ts";
import { buyerSignIn } from "./use-cases/buyer-sign-in.ts";
import { cancellation } from "./use-cases/cancellation.ts";
import { checkoutInit } from "./use-cases/checkout-init.ts";
import { type CheckoutServiceOptions, checkoutLedger } from "./use-cases/checkout-ledger.ts";
import { merchantConfirmation } from "./use-cases/confirmation.ts";
import { dealerRegistration } from "./use-cases/dealers.ts";
import { merchantAbort } from "./use-cases/merchant-abort.ts";
import { merchantAdmin } from "./use-cases/merchant-admin.ts";
import { checkoutQueries } from "./use-cases/queries.ts";
import { tenureChoices } from "./use-cases/tenure-options.ts";
import { checkoutTimers } from "./use-cases/timers.ts";
import { tokenization } from "./use-cases/tokenization.ts";
import { userTokens } from "./use-cases/user-tokens.ts";
import { zeroClickCheckout } from "./use-cases/zero-click.ts";

export type { CheckoutServiceOptions } from "./use-cases/checkout-ledger.ts";
export type CheckoutService = ReturnType<typeof checkoutService>;

/**
 * The Checkout API's use cases in one place for the routes, the hosted page, the timers and the sandbox:
 * parse → command(s) → reply data. Each refuses with a Rejection named by its rule (use-cases/rules.ts);
 * the edges say it in their words (kredivo-codes.ts, hosted-page/rejections.ts).
 */
export function checkoutService(options: CheckoutServiceOptions) {
  const ledger = checkoutLedger(options);
  const init = checkoutInit(ledger);
  const tokens = userTokens(ledger);
  return {
    ...init,
    ...tokens,
    ...zeroClickCheckout(ledger, init, tokens),
    ...tokenization(ledger, tokens),
    ...buyerSignIn(ledger),
    ...buyerApproval(ledger),
    ...tenureChoices(ledger),
    ...merchantConfirmation(ledger),
    ...cancellation(ledger),
    ...checkoutQueries(ledger),
    ...checkoutTimers(ledger),
    ...dealerRegistration(ledger),
    ...merchantAbort(ledger),
    ...merchantAdmin(ledger),
    ...buyerAdmin(ledger),
    merchants: ledger.merchants,
    serverKeys: ledger.serverKeys,
    buyerSecrets: ledger.buyerSecrets,
    buyers: ledger.buyers,
    creditLines: ledger.creditLines,
    checkouts: ledger.checkouts,
    /** Read-your-writes as this service waits for it, for the other gateway use cases (repayments). */
    waitForProjections: options.waitForProjections,
  };
}
