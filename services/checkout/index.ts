import { CHECKOUT_MOUNT } from "../../contracts/checkout/routes.ts";
import type { ApiKey } from "../http/api-keys.ts";
import type { HttpMount } from "../http/app.ts";
import { idempotencyClaims } from "../http/idempotency-claims.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import type { Reaction } from "../platform/reactor.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import type { Projection } from "../platform/readstore/projection.ts";
import { buyerRoutes } from "./buyer-routes.ts";
import { cancelIdempotency } from "./cancel-idempotency.ts";
import type { CheckoutService } from "./checkout-service.ts";
import { creditLineReactions } from "./credit-line-reactor.ts";
import { dealerRoutes } from "./dealer-routes.ts";
import { revokeUserTokenRoutes } from "./endpoints/revoke-user-token.ts";
import { checkoutErrorContract, kredivoOutsideRoutes } from "./error-contract.ts";
import { hostedPageRoutes } from "./hosted-page/index.ts";
import { merchantRoutes } from "./merchant-routes.ts";
import { payoutPaidReactions } from "./payout-paid-reactor.ts";
import { checkoutTransactionsProjection } from "./read-models/checkout-transactions.ts";
import { directoryProjection } from "./read-models/directory.ts";
import { userTokensProjection } from "./read-models/user-tokens.ts";
import { checkoutRoutes } from "./routes.ts";

// The Checkout API product (seed 001, /kredivo): what it contributes to each role.
export { type CheckoutService, type CheckoutServiceOptions, checkoutService } from "./checkout-service.ts";
export { checkoutPushSource } from "./push-source.ts";
export { seedSandbox } from "./sandbox.ts";
export { startTimerSweep } from "./timer-sweep.ts";
export { tokenizeCallbackSource } from "./tokenize-callback-source.ts";

/** Its read models: who is who (merchants, buyers), the status view of every checkout, the 0-click tokens. */
export const checkoutProjections: readonly Projection[] = [
  directoryProjection,
  checkoutTransactionsProjection,
  userTokensProjection,
];

/** Its process managers: a checkout's outcome moves its hold; a payout marks the checkouts it covers Paid. */
export function checkoutReactions(store: EventStore): readonly Reaction[] {
  return [
    { name: "credit_line_reactor", handle: creditLineReactions(store) },
    { name: "payout_paid_reactor", handle: payoutPaidReactions(store) },
  ];
}

/** The API under /kredivo, in its own error contract, and the buyer's hosted page beside it. */
export function checkoutHttp(
  checkout: CheckoutService,
  idempotency: { readonly readStore: ReadStore; readonly leaseMs: number },
): HttpMount {
  const claims = idempotencyClaims(idempotency);
  return async (app) => {
    app.answerOutsideRoutes(CHECKOUT_MOUNT, kredivoOutsideRoutes);
    await app.register(
      async (kredivo) => {
        await kredivo.register(checkoutErrorContract); // body parser, validation and errors for /kredivo
        await kredivo.register(checkoutRoutes, {
          checkout,
          cancelIdempotency: cancelIdempotency(claims, idempotency.leaseMs),
        });
      },
      { prefix: CHECKOUT_MOUNT },
    );
    await app.register(hostedPageRoutes, { prefix: CHECKOUT_MOUNT, checkout });
  };
}

/**
 * Its operator API under /v1: revoking a 0-click user token, registering a merchant's dealer for offline
 * checkouts (role `operator`); onboarding and managing merchants and buyers (role `admin`).
 */
export function checkoutOperatorHttp(checkout: CheckoutService, keys: readonly ApiKey[]): HttpMount {
  return async (app) => {
    await app.register(revokeUserTokenRoutes, { prefix: "/v1", checkout, apiKeys: keys });
    await app.register(dealerRoutes, { prefix: "/v1", checkout, apiKeys: keys });
    await app.register(merchantRoutes, { prefix: "/v1", checkout, apiKeys: keys });
    await app.register(buyerRoutes, { prefix: "/v1", checkout, apiKeys: keys });
  };
}
