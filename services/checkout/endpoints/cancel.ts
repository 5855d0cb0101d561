import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  CANCEL_RECEIVED_MESSAGE,
  cancelErrorResponseExample,
  cancelRequestExample,
  cancelRequestSchema,
  cancelResponseExample,
  cancelSuccessResponseSchema,
} from "../../../contracts/checkout/cancel.ts";
import { STATUS_SUCCESS } from "../../../contracts/checkout/common.ts";
import { CHECKOUT_ROUTES } from "../../../contracts/checkout/routes.ts";
import type { CancelIdempotency } from "../cancel-idempotency.ts";
import type { CheckoutService } from "../checkout-service.ts";
import { callerOf, faults, outcome, TAG } from "./shared.ts";

/** transaction/cancel: the merchant takes back all or part of a settled transaction. */
export function cancelRoute(
  app: FastifyInstance,
  checkout: CheckoutService,
  idempotency: CancelIdempotency,
): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    CHECKOUT_ROUTES.cancel,
    {
      preHandler: idempotency.preHandler,
      onSend: idempotency.onSend,
      onResponse: idempotency.onResponse,
      schema: {
        tags: [TAG],
        operationId: "transactionCancel",
        summary: "Cancel Transaction",
        description:
          "Cancels a settled transaction: all of what is left when amount is absent or equal to it, part of " +
          "it when less; several partial cancellations may add up to the transaction amount and no more. " +
          "trx_status turns cancel once fully cancelled, and the merchant gets a push (trx_status cancel) for " +
          "every cancellation. Codes, first match wins: 1002 malformed body; 2011 amount zero or negative; " +
          "2012 unknown server_key; 2018 transaction_id unknown, another merchant's, or order_id not its " +
          "own; 2016 already fully cancelled; 2015 not settled; 2017 settled more than 20 days ago; 2013 " +
          "amount above what is left to cancel. Our extension: an optional Idempotency-Key header; the same " +
          "key and body answer as the first request did and cancel once; the key with another body is 1002; " +
          "while the first request still runs, 9999 (HTTP 503, Retry-After).",
        headers: z.object({ "idempotency-key": z.string().optional() }).loose(),
        body: cancelRequestSchema.meta({
          "x-examples": { seed: { summary: "The seed's cancellation", value: cancelRequestExample } },
        }),
        response: {
          200: outcome(cancelSuccessResponseSchema).meta({
            examples: [cancelResponseExample, cancelErrorResponseExample],
          }),
          ...faults,
          503: faults[503].describe(
            "9999: the store cannot be reached or the transaction stayed contended (nothing was written), or " +
              "the first request with this Idempotency-Key still runs (Retry-After); retry later",
          ),
        },
      },
    },
    async (request) => {
      await checkout.cancel(request.body, callerOf(request), idempotency.cancellationId(request));
      return { status: STATUS_SUCCESS, message: CANCEL_RECEIVED_MESSAGE };
    },
  );
}
