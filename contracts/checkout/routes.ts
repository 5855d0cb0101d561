// Paths of the Checkout API as the seed names them, relative to the merchant's base URL. We serve them
// under CHECKOUT_MOUNT, so the seed's `POST /checkout/init` is `POST /kredivo/checkout/init` (DESIGN.md).
// Every endpoint is a JSON POST (`Content-Type: application/json`, `Accept: application/json`).

export const CHECKOUT_MOUNT = "/kredivo" as const;

export const CHECKOUT_ROUTES = {
  init: "/checkout/init",
  update: "/checkout/update",
  /** Seed: "POST checkout/<transaction_id>/abort" (offline transactions only). */
  abort: "/checkout/:transaction_id/abort",
  status: "/transaction/status",
  cancel: "/transaction/cancel",
  calculator: "/loan/calculator",
  creditDetails: "/get_credit_details",
  tokenize: "/user/tokenize/init",
} as const;

export type CheckoutRoute = keyof typeof CHECKOUT_ROUTES;
