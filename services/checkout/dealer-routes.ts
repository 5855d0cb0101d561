import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { dealerParamsSchema, dealerRegistrationSchema, dealerSchema } from "../../contracts/v1/dealers.ts";
import { type ApiKey, apiKeys } from "../http/api-keys.ts";
import { sendProblem, useProblemErrors } from "../http/problem-details.ts";
import { Rejection } from "../ledger/decider.ts";
import type { CheckoutService } from "./checkout-service.ts";

export interface DealerRoutesOptions {
  readonly checkout: CheckoutService;
  readonly apiKeys: readonly ApiKey[];
}

/**
 * `POST /v1/merchants/{merchantId}/dealers` (role operator): registers a dealer of a Checkout API merchant
 * (seed 001: "send an email to merchops … to add submerchants to your group and get the dealer code"), the
 * same command the sandbox seed sends for SANDBOX_DEALER_CODES. Mount under /v1.
 */
export async function dealerRoutes(app: FastifyInstance, options: DealerRoutesOptions): Promise<void> {
  await app.register(apiKeys, { apiKeys: options.apiKeys });
  useProblemErrors(app, "dealers");
  const { checkout } = options;
  app.withTypeProvider<ZodTypeProvider>().post(
    "/merchants/:merchantId/dealers",
    {
      // On the request, before the body is validated: a caller without the role learns nothing of the body.
      onRequest: app.requireRole("operator"),
      config: { problems: ["merchant_not_found"] },
      schema: {
        tags: ["merchants"],
        summary: "Register a dealer (sub-merchant) that may start the merchant's offline checkouts",
        description:
          "201 when the dealer is registered now, 200 when it already was (nothing is recorded again). " +
          "An offline checkout/init names it as dealer_code, and so does checkout/<id>/abort.",
        params: dealerParamsSchema,
        body: dealerRegistrationSchema,
        response: {
          200: dealerSchema.describe("the dealer was already registered"),
          201: dealerSchema.describe("the dealer is registered"),
        },
      },
    },
    async (request, reply) => {
      const { merchantId } = request.params;
      const { dealerCode } = request.body;
      const caller = { actor: "operator", correlationId: request.correlationId, causationId: request.id };
      try {
        const { created, registeredAt } = await checkout.registerDealer(merchantId, dealerCode, caller);
        return reply.code(created ? 201 : 200).send({ merchantId, dealerCode, registeredAt });
      } catch (error) {
        if (!(error instanceof Rejection && error.rule === "merchant_must_exist")) throw error;
        return sendProblem(request, reply, "merchant_not_found", {
          detail: `no merchant ${merchantId}; name a registered merchant by its id`,
          param: "merchantId",
        });
      }
    },
  );
}
