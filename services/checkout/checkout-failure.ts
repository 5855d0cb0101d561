import type { CheckoutFailureCode } from "../../contracts/checkout/errors.ts";

/** A caller-caused failure of a Checkout API call: the seed's code plus a detail that says how to fix it. */
export class CheckoutFailure extends Error {
  override name = "CheckoutFailure";
  readonly code: CheckoutFailureCode;
  readonly detail: string;
  /** Fill the `{}` placeholders of a template message (2013's transaction id, cancel and checkout amounts). */
  readonly params: readonly (string | number | bigint)[];
  constructor(code: CheckoutFailureCode, detail: string, params: readonly (string | number | bigint)[] = []) {
    super(`${code}: ${detail}`);
    this.code = code;
    this.detail = detail;
    this.params = params;
  }
}
