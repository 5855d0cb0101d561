import type { FastifyInstance } from "fastify";
import type { CancelIdempotency } from "./cancel-idempotency.ts";
import type { CheckoutService } from "./checkout-service.ts";
import { abortRoute } from "./endpoints/abort.ts";
import { calculatorRoute } from "./endpoints/calculator.ts";
import { cancelRoute } from "./endpoints/cancel.ts";
import { creditDetailsRoute } from "./endpoints/credit-details.ts";
import { initRoute } from "./endpoints/init.ts";
import { statusRoute } from "./endpoints/status.ts";
import { tokenizeInitRoute } from "./endpoints/tokenize-init.ts";
import { updateRoute } from "./endpoints/update.ts";

// The Checkout API over HTTP (seed 001), one endpoint a file (endpoints/): checkout/init, checkout/update
// ("Confirm Transaction"), checkout/<id>/abort, transaction/status, transaction/cancel and loan/calculator. Registered under
// CHECKOUT_MOUNT (/kredivo) after checkoutErrorContract, which turns every failure into the seed's
// envelope. Handlers are thin: validated body → use case → the seed's response shape.

export interface CheckoutRoutesOptions {
  readonly checkout: CheckoutService;
  /** The optional Idempotency-Key of transaction/cancel (our extension). */
  readonly cancelIdempotency: CancelIdempotency;
}

/** The 2-click routes, cancel and the loan calculator; register under CHECKOUT_MOUNT after checkoutErrorContract. */
export async function checkoutRoutes(app: FastifyInstance, options: CheckoutRoutesOptions): Promise<void> {
  const { checkout } = options;
  initRoute(app, checkout);
  updateRoute(app, checkout);
  abortRoute(app, checkout);
  statusRoute(app, checkout);
  cancelRoute(app, checkout, options.cancelIdempotency);
  calculatorRoute(app, checkout);
  creditDetailsRoute(app, checkout);
  tokenizeInitRoute(app, checkout);
}
