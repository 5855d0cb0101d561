import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { type ApiKey, apiKeys } from "../../http/api-keys.ts";
import { sendProblem, useProblemErrors } from "../../http/problem-details.ts";
import type { Caller } from "../../ledger/decider.ts";
import type { CheckoutService } from "../checkout-service.ts";

export interface RevokeUserTokenOptions {
  readonly checkout: CheckoutService;
  readonly apiKeys: readonly ApiKey[];
}

const params = z.object({ userToken: z.string().min(1).max(255).describe("The user_token to revoke") });

const revokedSchema = z.object({
  userToken: z.string(),
  merchantId: z.string(),
  clientUserKey: z.string(),
  status: z.literal("revoked"),
});

function operatorOf(request: FastifyRequest): Caller {
  return { actor: "operator", correlationId: request.correlationId, causationId: request.id };
}

/**
 * `POST /v1/user-tokens/:userToken/revoke` (mount under /v1, role `operator`): a 0-click token stops
 * authenticating. Revoking a revoked token again answers the same and records nothing. From then on
 * checkout/init with it gets the neutral 2-click answer and get_credit_details 1002.
 */
export async function revokeUserTokenRoutes(
  app: FastifyInstance,
  options: RevokeUserTokenOptions,
): Promise<void> {
  await app.register(apiKeys, { apiKeys: options.apiKeys });
  useProblemErrors(app, "user token");
  app.withTypeProvider<ZodTypeProvider>().post(
    "/user-tokens/:userToken/revoke",
    {
      onRequest: app.requireRole("operator"),
      config: { problems: ["user_token_not_found"] },
      schema: {
        tags: ["user tokens"],
        operationId: "revokeUserToken",
        summary: "Revoke a 0-click user token",
        params,
        response: { 200: revokedSchema },
      },
    },
    async (request, reply) => {
      const { userToken } = request.params;
      const state = await options.checkout.revokeUserToken(userToken, operatorOf(request));
      if (state?.issued === undefined) {
        return sendProblem(request, reply, "user_token_not_found", { param: "userToken" });
      }
      const { merchantId, clientUserKey } = state.issued;
      return reply.send({ userToken, merchantId, clientUserKey, status: "revoked" as const });
    },
  );
}
