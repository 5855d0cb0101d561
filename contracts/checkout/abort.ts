import { z } from "zod";
import { FIELD_MAX_CHARS, requiredString, typeError } from "./common.ts";
import { checkoutErrorBodySchema } from "./errors.ts";

// POST /checkout/<transaction_id>/abort (seed 001 "Aborting an order (Offline Transaction Only)"): the
// merchant aborts an offline checkout before settlement. Success is exactly `{"transaction_id": …}`: the
// seed's example has no `status`; errors are the one envelope (2001, 2012, 2043, 2046, 9999; 1002 for a
// malformed body).

export const abortParamsSchema = z.object({
  transaction_id: requiredString(FIELD_MAX_CHARS.key).describe("the transaction_id checkout/init answered"),
});

export const abortRequestSchema = z.object(
  {
    server_key: requiredString(FIELD_MAX_CHARS.key),
    dealer_code: requiredString(FIELD_MAX_CHARS.id),
    order_id: requiredString(FIELD_MAX_CHARS.id),
  },
  { error: typeError("object") },
);
export type AbortRequest = z.output<typeof abortRequestSchema>;

export const abortSuccessResponseSchema = z.strictObject({
  transaction_id: requiredString(FIELD_MAX_CHARS.key),
});

export const abortResponseSchema = z.union([abortSuccessResponseSchema, checkoutErrorBodySchema]);

// --------------------------------------------------------------------------------------- seed examples

export const abortRequestExample = {
  server_key: "MEJ4FLRc74UU64cxCF8Z3HYSpPctD7",
  dealer_code: "STORE123123",
  order_id: "KD125262",
} satisfies z.input<typeof abortRequestSchema>;

export const abortResponseExample = {
  transaction_id: "9ce1596f-bd4e-4fa2-b49f-3537de3f4128",
} satisfies z.input<typeof abortSuccessResponseSchema>;

export const abortErrorResponseExamples = [
  { status: 2001, message: "Invalid Transaction" },
  { status: 2043, message: "Transaction Expired" },
  { status: 2046, message: "Abort not Eligible" },
] satisfies z.input<typeof checkoutErrorBodySchema>[];
