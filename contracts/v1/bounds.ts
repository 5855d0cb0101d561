import { z } from "zod";
import { PATH_PARAM_MAX_CHARS } from "../bounds.ts";

/**
 * The longest value each kind of /v1 field may carry, in characters (the README's "/v1 limits" lists them).
 * Ids we issue have their own format checks on top (e.g. a buyer's user id); these bound what reaches them.
 */
export const V1_FIELD_MAX_CHARS = {
  /** a buyer's user id */
  userId: 200,
  merchantId: 200,
  /** a delivery's id (the id of the event it delivers) */
  deliveryId: 200,
  /** a bank transfer's reference (UTR) */
  bankReference: 200,
  /** a journal account name, e.g. `receivable:buyer:<userId>:VND` */
  account: PATH_PARAM_MAX_CHARS,
} as const satisfies Record<string, number>;

/** A /v1 string field of its kind's bound, not empty. */
export function v1Field(kind: keyof typeof V1_FIELD_MAX_CHARS) {
  return z.string().min(1).max(V1_FIELD_MAX_CHARS[kind]);
}

/** The largest /v1 request body: its bodies are a few short fields (the Checkout API's carry whole carts). */
export const V1_BODY_LIMIT_BYTES = 64 * 1024;

/** An id we issue, as a filter: its bound, and only the characters our ids use (they name streams). */
export function v1Id(kind: keyof typeof V1_FIELD_MAX_CHARS) {
  return v1Field(kind).regex(
    /^[A-Za-z0-9._:-]+$/,
    `${kind}_must_be_letters_digits_or_dot_underscore_colon_dash`,
  );
}
