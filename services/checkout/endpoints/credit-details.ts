import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { STATUS_SUCCESS } from "../../../contracts/checkout/common.ts";
import { CHECKOUT_ROUTES } from "../../../contracts/checkout/routes.ts";
import {
  creditDetailsRequestExample,
  creditDetailsRequestSchema,
  creditDetailsResponseExample,
  creditDetailsResponseSchema,
} from "../../../contracts/checkout/zero-click.ts";
import type { CheckoutService } from "../checkout-service.ts";
import { faults, outcome, TAG } from "./shared.ts";

/** get_credit_details (seed "Get User Credit Details"): a tokenized buyer's remaining limit per tenure. */
export function creditDetailsRoute(app: FastifyInstance, checkout: CheckoutService): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    CHECKOUT_ROUTES.creditDetails,
    {
      schema: {
        tags: [TAG],
        operationId: "getCreditDetails",
        summary: "Get User Credit Details",
        description:
          "The remaining limit per tenure (integer VND) of the buyer a user_token of this merchant names: the " +
          "credit line's limit less what is held and used, per tenure, as a hold would be checked. Unknown " +
          "server_key: 2012; a user_token that is unknown, revoked or another merchant's: 1002.",
        body: creditDetailsRequestSchema.meta({
          "x-examples": { seed: { summary: "The seed's request", value: creditDetailsRequestExample } },
        }),
        response: {
          200: outcome(creditDetailsResponseSchema).meta({ examples: [creditDetailsResponseExample] }),
          ...faults,
        },
      },
    },
    async (request) => {
      const limits = await checkout.creditDetails(request.body.server_key, request.body.user_token);
      return {
        status: STATUS_SUCCESS,
        message: "Success" as const,
        limit: {
          "1": Number(limits[1]),
          "3": Number(limits[3]),
          "6": Number(limits[6]),
          "12": Number(limits[12]),
        },
      };
    },
  );
}
