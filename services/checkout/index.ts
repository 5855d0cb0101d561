import { CHECKOUT_MOUNT } from "../../contracts/checkout/routes.ts";
import type { ApiKey } from "../http/api-keys.ts";
import type { HttpMount } from "../http/app.ts";
import { idempotencyClaims } from "../http/idempotency-claims.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import type { Reaction } from "../platform/reactor.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import type { Projection } from "../platform/readstore/projection.ts";
import { cancelIdempotency } from "./cancel-idempotency.ts";
import type { CheckoutService } from "./checkout-service.ts";
import { creditLineReactions } from "./credit-line-reactor.ts";
import { dealerRoutes } from "./dealer-routes.ts";
import { checkoutErrorContract } from "./error-contract.ts";
import { hostedPageRoutes } from "./hosted-page/index.ts";
import { payoutPaidReactions } from "./payout-paid-reactor.ts";
import { checkoutTransactionsProjection } from "./read-models/checkout-transactions.ts";
import { directoryProjection } from "./read-models/directory.ts";
import { checkoutRoutes } from "./routes.ts";

// The Checkout API product (seed 001, /kredivo): what it contributes to each role.
export { type CheckoutService, type CheckoutServiceOptions, checkoutService } from "./checkout-service.ts";
export { checkoutPushSource } from "./push-source.ts";
export { seedSandbox } from "./sandbox.ts";
export { startTimerSweep } from "./timer-sweep.ts";

/** Its read models: who is who (merchants, buyers) and the status view of every checkout. */
export const checkoutProjections: readonly Projection[] = [
  directoryProjection,
  checkoutTransactionsProjection,
];

/** Its process managers: a checkout's outcome moves its hold; a payout marks the checkouts it covers Paid. */
export function checkoutReactions(store: EventStore): readonly Reaction[] {
  return [
    { name: "credit_line_reactor", handle: creditLineReactions(store) },
    { name: "payout_paid_reactor", handle: payoutPaidReactions(store) },
  ];
}

/**
 * The API under /kredivo, in its own error contract, the buyer's hosted page beside it, and the operator's
 * dealer registration under /v1.
 */
export function checkoutHttp(
  checkout: CheckoutService,
  idempotency: { readonly readStore: ReadStore; readonly leaseMs: number },
  operator: { readonly apiKeys: readonly ApiKey[] },
): HttpMount {
  const claims = idempotencyClaims(idempotency);
  return async (app) => {
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
    await app.register(dealerRoutes, { prefix: "/v1", checkout, apiKeys: operator.apiKeys });
  };
}
