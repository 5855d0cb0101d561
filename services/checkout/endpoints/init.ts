import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { STATUS_SUCCESS } from "../../../contracts/checkout/common.ts";
import {
  initEcomRequestSchema,
  initErrorResponseExample,
  initExample,
  initOfflineErrorResponseExamples,
  initOfflineExample,
  initOfflineRequestSchema,
  initOfflineSuccessResponseExample,
  initOfflineSuccessResponseSchema,
  initSuccessResponseExample,
  initSuccessResponseSchema,
} from "../../../contracts/checkout/init.ts";
import { CHECKOUT_ROUTES } from "../../../contracts/checkout/routes.ts";
import type { CheckoutService } from "../checkout-service.ts";
import { callerOf, faults, outcome, TAG } from "./shared.ts";

const initBody = z
  .discriminatedUnion("source", [initEcomRequestSchema, initOfflineRequestSchema], {
    error: (iss) => {
      if (iss.code !== "invalid_union") return undefined;
      const body: unknown = iss.input;
      const source = body !== null && typeof body === "object" && "source" in body ? body.source : undefined;
      return source === undefined ? "required" : "must_be_one_of:ecom|offline";
    },
  })
  .meta({
    "x-examples": {
      seed: { summary: "The seed's 2-click request", value: initExample },
      offline: { summary: "The seed's offline (QR) request", value: initOfflineExample },
    },
  });

/** checkout/init: the merchant starts a 2-click checkout and gets the hosted page's URL. */
export function initRoute(app: FastifyInstance, checkout: CheckoutService): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    CHECKOUT_ROUTES.init,
    {
      schema: {
        tags: [TAG],
        operationId: "checkoutInit",
        summary: "Initiate 2-click or Offline Checkout",
        description:
          "Creates the transaction. source ecom answers the hosted page's checkout_url; source offline " +
          "(a QR checkout at one of the merchant's dealers) answers qr_link instead, a PNG QR code of the " +
          "hosted page's URL for the buyer to scan, and expires at expiry_time (epoch seconds, default 24 h " +
          "from now). order_id is the idempotency key: the same body again answers the same transaction_id, " +
          "a different body with a used order_id is 1002. amount must equal the items' total (deductions, " +
          "downpayment and downpayment_sku included, subtracted); tenures 3, 6 and 12 need at least 700,000 " +
          "VND. Unknown server_key: 2012. Offline: a dealer_code that is not one of the merchant's " +
          "registered dealers, or an expiry_time at or before now, is 1002.",
        body: initBody,
        response: {
          200: outcome(z.union([initSuccessResponseSchema, initOfflineSuccessResponseSchema])).meta({
            examples: [
              initSuccessResponseExample,
              initOfflineSuccessResponseExample,
              initErrorResponseExample,
              ...initOfflineErrorResponseExamples,
            ],
          }),
          ...faults,
        },
      },
    },
    async (request) => {
      const body = request.body;
      if (body.source === "offline") {
        const { transactionId, qrLink } = await checkout.initOffline(body, callerOf(request));
        return { status: STATUS_SUCCESS, message: "Success", transaction_id: transactionId, qr_link: qrLink };
      }
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
