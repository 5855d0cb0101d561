import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import {
  abortErrorResponseExamples,
  abortParamsSchema,
  abortRequestExample,
  abortRequestSchema,
  abortResponseExample,
  abortSuccessResponseSchema,
} from "../../../contracts/checkout/abort.ts";
import { CHECKOUT_ROUTES } from "../../../contracts/checkout/routes.ts";
import type { CheckoutService } from "../checkout-service.ts";
import { callerOf, faults, outcome, TAG } from "./shared.ts";

/** checkout/<transaction_id>/abort: the merchant aborts an offline checkout before settlement. */
export function abortRoute(app: FastifyInstance, checkout: CheckoutService): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    CHECKOUT_ROUTES.abort,
    {
      schema: {
        tags: [TAG],
        operationId: "checkoutAbort",
        summary: "Abort an offline transaction",
        description:
          "Aborts an offline checkout before settlement (pending included: the buyer's credit hold is " +
          "released). Success is exactly {transaction_id}; aborting again answers the same. trx_status " +
          "afterwards is cancel (the seed's word for a transaction cancelled by the merchant). Codes, first " +
          "match wins: 1002 malformed body; 2012 unknown server_key; 2001 the transaction_id, dealer_code " +
          "and order_id name no offline transaction of this merchant (an ecom transaction included); 2043 " +
          "the transaction reached its expiry; 2046 already settled, cancelled, denied or failed (a settled " +
          "one is cancelled with transaction/cancel).",
        params: abortParamsSchema,
        body: abortRequestSchema.meta({
          "x-examples": { seed: { summary: "The seed's abort", value: abortRequestExample } },
        }),
        response: {
          200: outcome(abortSuccessResponseSchema).meta({
            examples: [abortResponseExample, ...abortErrorResponseExamples],
          }),
          ...faults,
        },
      },
    },
    async (request) => {
      const { transactionId } = await checkout.abortOffline(
        request.params.transaction_id,
        request.body,
        callerOf(request),
      );
      return { transaction_id: transactionId };
    },
  );
}
