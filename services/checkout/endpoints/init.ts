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
  initZeroClickExample,
  initZeroClickTokenizableResponseExample,
} from "../../../contracts/checkout/init.ts";
import { CHECKOUT_ROUTES } from "../../../contracts/checkout/routes.ts";
import {
  initZeroClickApprovedResponseExample,
  initZeroClickChallengeResponseExample,
  initZeroClickResponseSchema,
} from "../../../contracts/checkout/zero-click.ts";
import { unhandled } from "../../ledger/decider.ts";
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
      zeroClick: {
        summary: "The seed's 0-click request (user_token + client_user_key)",
        value: initZeroClickExample,
      },
    },
  });

/** Seed: "Code 2007 indicate transaction valid for tokenization". */
const TOKENIZABLE_CODE = 2007;
const TOKENIZABLE_MESSAGE = "This transaction is ready for tokenization";

/** checkout/init: the merchant starts a checkout and gets the hosted page's URL (offline: its QR code). */
export function initRoute(app: FastifyInstance, checkout: CheckoutService): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    CHECKOUT_ROUTES.init,
    {
      schema: {
        tags: [TAG],
        operationId: "checkoutInit",
        summary: "Initiate 2-click, 0-click or Offline Checkout",
        description:
          "Creates the transaction. source ecom answers the hosted page's checkout_url; source offline " +
          "(a QR checkout at one of the merchant's dealers) answers qr_link instead, a PNG QR code of the " +
          "hosted page's URL for the buyer to scan, and expires at expiry_time (epoch seconds, default 24 h " +
          "from now). order_id is the idempotency key: the same body again answers the same transaction_id, " +
          "a different body with a used order_id is 1002. amount must equal the items' total (deductions, " +
          "downpayment and downpayment_sku included, subtracted); tenures 3, 6 and 12 need at least 700,000 " +
          "VND. Unknown server_key: 2012. Offline: a dealer_code that is not one of the merchant's " +
          "registered dealers, or an expiry_time at or before now, is 1002. " +
          '0-click (seed "Initiate 0-click Checkout", source ecom): with ' +
          "tokenize_user (or tokenizer_user) true and a client_user_key that has no active token of this merchant, " +
          'code 2007 and message "This transaction is ready for tokenization" (the token comes in ' +
          "checkout/update once settled); with a user_token matching the client_user_key, no hosted page: " +
          "approved at once (no URL; the pending or denied push follows) or, flagged by a risk rule " +
          "(ZERO_CLICK_*), a redirect_url to the OTP challenge. A user_token that is unknown, revoked, another " +
          "merchant's or another key's gets the neutral 2-click answer.",
        body: initBody,
        response: {
          200: outcome(
            z.union([
              initSuccessResponseSchema,
              initOfflineSuccessResponseSchema,
              initZeroClickResponseSchema,
            ]),
          ).meta({
            examples: [
              initSuccessResponseExample,
              initOfflineSuccessResponseExample,
              initZeroClickTokenizableResponseExample,
              initZeroClickApprovedResponseExample,
              initZeroClickChallengeResponseExample,
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
      const started = await checkout.initCheckout(body, callerOf(request));
      const transaction_id = started.transactionId;
      switch (started.kind) {
        case "two_click":
          return started.tokenizable
            ? {
                status: STATUS_SUCCESS,
                message: TOKENIZABLE_MESSAGE,
                checkout_url: started.checkoutUrl,
                transaction_id,
                code: TOKENIZABLE_CODE,
              }
            : {
                status: STATUS_SUCCESS,
                message: "Success",
                checkout_url: started.checkoutUrl,
                transaction_id,
              };
        case "zero_click":
          return { status: STATUS_SUCCESS, message: "Success", transaction_id };
        case "otp_challenge":
          return {
            status: STATUS_SUCCESS,
            message: "Success",
            transaction_id,
            redirect_url: started.redirectUrl,
          };
        default:
          return unhandled(started);
      }
    },
  );
}
