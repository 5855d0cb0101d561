import type { CheckoutFailureCode } from "../../../contracts/checkout/errors.ts";

/** A caller-caused failure of a Checkout API call: the seed's code plus a detail that says how to fix it. */
export class CheckoutFailure extends Error {
  override name = "CheckoutFailure";
  readonly code: CheckoutFailureCode;
  readonly detail: string;
  constructor(code: CheckoutFailureCode, detail: string) {
    super(`${code}: ${detail}`);
    this.code = code;
    this.detail = detail;
  }
}
