import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { STATUS_SUCCESS } from "../../../contracts/checkout/common.ts";
import {
  initEcomRequestSchema,
  initErrorResponseExample,
  initExample,
  initSuccessResponseExample,
  initSuccessResponseSchema,
} from "../../../contracts/checkout/init.ts";
import { CHECKOUT_ROUTES } from "../../../contracts/checkout/routes.ts";
import { invariant } from "../../ledger/decider.ts";
import type { CheckoutService } from "../checkout-service.ts";
import { callerOf, faults, outcome, TAG } from "./shared.ts";

/** source "offline" (QR checkout with a dealer_code) is part of the seed but not served yet. */
const offlineNotServed = z
  .object({ source: z.literal("offline") })
  .describe('source "offline" (QR checkout) is not available yet and is refused with 1002')
  .superRefine((_body, ctx) => {
    ctx.addIssue({ code: "custom", path: ["source"], message: "offline_checkout_is_not_available_yet" });
  });

const initBody = z
  .discriminatedUnion("source", [initEcomRequestSchema, offlineNotServed], {
    error: (iss) => {
      if (iss.code !== "invalid_union") return undefined;
      const body: unknown = iss.input;
      const source = body !== null && typeof body === "object" && "source" in body ? body.source : undefined;
      return source === undefined ? "required" : "must_be_one_of:ecom|offline";
    },
  })
  .meta({ "x-examples": { seed: { summary: "The seed's 2-click request", value: initExample } } });

/** checkout/init: the merchant starts a 2-click checkout and gets the hosted page's URL. */
export function initRoute(app: FastifyInstance, checkout: CheckoutService): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    CHECKOUT_ROUTES.init,
    {
      schema: {
        tags: [TAG],
        operationId: "checkoutInit",
        summary: "Initiate 2-click Checkout",
        description:
          "Creates the transaction and answers the hosted page's checkout_url. order_id is the idempotency " +
          "key: the same body again answers the same transaction_id, a different body with a used order_id " +
          "is 1002. amount must equal the items' total (deductions subtracted); tenures 3, 6 and 12 need at " +
          "least 700,000 VND. Unknown server_key: 2012.",
        body: initBody,
        response: {
          200: outcome(initSuccessResponseSchema).meta({
            examples: [initSuccessResponseExample, initErrorResponseExample],
          }),
          ...faults,
        },
      },
    },
    async (request) => {
      const body = request.body;
      // The schema refuses source "offline"; this narrows the type.
      invariant(body.source === "ecom", "checkout/init reached its handler with an offline checkout");
      const { transactionId, checkoutUrl } = await checkout.init(body, callerOf(request));
      return {
        status: STATUS_SUCCESS,
        message: "Success",
        checkout_url: checkoutUrl,
        transaction_id: transactionId,
      };
    },
  );
}
