import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { STATUS_SUCCESS } from "../../../contracts/checkout/common.ts";
import { CHECKOUT_ROUTES } from "../../../contracts/checkout/routes.ts";
import {
  tokenizeInitRequestExample,
  tokenizeInitRequestSchema,
  tokenizeInitResponseExample,
  tokenizeInitResponseSchema,
} from "../../../contracts/checkout/tokenize.ts";
import type { CheckoutService } from "../checkout-service.ts";
import { callerOf, faults, outcome, TAG } from "./shared.ts";

/** user/tokenize/init (seed "Tokenize Kredivo Account"): a tokenization page for one client_user_key. */
export function tokenizeInitRoute(app: FastifyInstance, checkout: CheckoutService): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    CHECKOUT_ROUTES.tokenize,
    {
      schema: {
        tags: [TAG],
        operationId: "tokenizeInit",
        summary: "Tokenize Kredivo Account",
        description:
          "Starts a tokenization apart from any checkout: `tokenize_url` leads the buyer to our page (phone, " +
          "PIN, OTP, as on the checkout page), then back to `back_to_store_url`. The outcome is POSTed to " +
          "`callback_url` (`status` success with `user_token`, or failed with the reason); only a reply " +
          '`{"status": 9100}` acknowledges it, anything else is retried with backoff, then dead-lettered and ' +
          "replayable (/v1/notifications). `signature_key` = hex sha1 of " +
          "`server_key=<…>&client_user_key=<…>&callback_url=<…>`. Refusals in this order: a malformed body " +
          "1002, an unknown server_key 2012, a wrong signature_key 2030, a client_user_key with an active " +
          "user_token 2009.",
        body: tokenizeInitRequestSchema.meta({
          "x-examples": { seed: { summary: "The seed's request", value: tokenizeInitRequestExample } },
        }),
        response: {
          200: outcome(tokenizeInitResponseSchema).meta({ examples: [tokenizeInitResponseExample] }),
          ...faults,
        },
      },
    },
    async (request) => {
      const started = await checkout.tokenizeInit(request.body, callerOf(request));
      return { status: STATUS_SUCCESS, message: "success" as const, tokenize_url: started.tokenizeUrl };
    },
  );
}
