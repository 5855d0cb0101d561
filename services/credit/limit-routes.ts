import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import {
  creditLimitSchema,
  creditLineParamsSchema,
  limitHistorySchema,
  setCreditLimitSchema,
} from "../../contracts/v1/credit-limits.ts";
import { type ApiKey, apiKeyActor, apiKeys } from "../http/api-keys.ts";
import { sendProblem, useProblemErrors } from "../http/problem-details.ts";
import { CreditLineRejection } from "../ledger/creditline/creditline.rules.ts";
import { BadLimitAmount, type creditLimits, UnknownLineOwner } from "./credit-limits.ts";

export interface LimitRoutesOptions {
  readonly limits: ReturnType<typeof creditLimits>;
  readonly apiKeys: readonly ApiKey[];
}

/**
 * `POST /v1/credit-lines/{product}/{userId}/limit` sets, raises or lowers a line's limit; `GET
 * /v1/credit-lines/{product}/{userId}/limit-history` answers who changed it, when, why. Role `admin`.
 * Mount under /v1.
 */
export async function limitRoutes(app: FastifyInstance, options: LimitRoutesOptions): Promise<void> {
  await app.register(apiKeys, { apiKeys: options.apiKeys });
  useProblemErrors(app, "credit limits");
  const { limits } = options;
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const admin = app.requireRole("admin");
  const tags = ["credit limits"];

  routes.post(
    "/credit-lines/:product/:userId/limit",
    {
      onRequest: admin,
      config: { problems: ["buyer_not_found", "limit_below_outstanding"] },
      schema: {
        tags,
        operationId: "setCreditLimit",
        summary:
          "Set, raise or lower a credit limit (kredivo: per tenure; kredmint: revolving), with a reason",
        description:
          "Lowering below what the line holds and is owed is 409 limit_below_outstanding (the rule " +
          "limit_must_cover_outstanding) and changes nothing. A kredivo buyer must be registered; a kredmint " +
          "user's line must have been opened by the partner's operator decision: otherwise 404 buyer_not_found.",
        params: creditLineParamsSchema,
        body: setCreditLimitSchema,
        response: { 200: creditLimitSchema },
      },
    },
    async (request, reply) => {
      const { product, userId } = request.params;
      const caller = {
        actor: apiKeyActor(request, "admin"),
        correlationId: request.correlationId,
        causationId: request.id,
      };
      try {
        return reply.send(await limits.setLimit(product, userId, request.body, caller));
      } catch (error) {
        if (error instanceof UnknownLineOwner) {
          return sendProblem(request, reply, "buyer_not_found", { detail: error.message, param: "userId" });
        }
        if (error instanceof BadLimitAmount) {
          return sendProblem(request, reply, "invalid_parameter", {
            detail: error.message,
            param: error.param,
          });
        }
        if (error instanceof CreditLineRejection && error.rule === "limit_must_cover_outstanding") {
          return sendProblem(request, reply, "limit_below_outstanding", {
            detail: "the limit is below what the line holds and is owed now",
            param: "limit",
          });
        }
        if (error instanceof CreditLineRejection && error.rule === "tenure_limit_must_be_within_total") {
          return sendProblem(request, reply, "invalid_parameter", {
            detail: "perTenure: each tenure's cap must be at most the limit",
            param: "perTenure",
          });
        }
        throw error;
      }
    },
  );

  routes.get(
    "/credit-lines/:product/:userId/limit-history",
    {
      onRequest: admin,
      config: { problems: ["credit_line_not_found"] },
      schema: {
        tags,
        operationId: "getCreditLimitHistory",
        summary: "Every limit the line has had: who changed it, when, why, and whether it rose or fell",
        params: creditLineParamsSchema,
        response: { 200: limitHistorySchema },
      },
    },
    async (request, reply) => {
      const { product, userId } = request.params;
      const history = await limits.history(product, userId);
      if (history !== undefined) return reply.send(history);
      return sendProblem(request, reply, "credit_line_not_found", {
        detail: `${product} user ${userId} has never had a limit`,
        param: "userId",
      });
    },
  );
}
