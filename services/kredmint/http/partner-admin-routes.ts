import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { supplierPayloadSchema } from "../../../contracts/kredmint/supplier.ts";
import { money, renderDecimal } from "../../../contracts/money.ts";
import {
  inrMinor,
  partnerIdSchema,
  partnerUserParamsSchema,
  partnerViewSchema,
  registeredPartnerSchema,
  registerPartnerSchema,
  supplierParamsSchema,
  type UserReviewView,
  userDecisionSchema,
  userReviewSchema,
  verifySupplierSchema,
} from "../../../contracts/v1/partners.ts";
import { type ApiKey, apiKeys } from "../../http/api-keys.ts";
import { sendProblem, useProblemErrors } from "../../http/problem-details.ts";
import { Rejection } from "../../ledger/decider.ts";
import type { PartnerRule } from "../../ledger/partner/partner.decider.ts";
import type { PartnerUserRule } from "../../ledger/partneruser/partneruser.decider.ts";
import type { KredmintService } from "../kredmint-service.ts";
import type { UserReview } from "../onboarding.ts";
import { disbursalAdminRoutes } from "./disbursal-admin-routes.ts";

const operatorCaller = (request: FastifyRequest) => ({
  actor: "operator",
  correlationId: request.correlationId,
  causationId: request.id,
});

/**
 * `/v1/partners` (API key with the `operator` role): partners are data. Registering the same partner with the
 * same terms is a no-op (200), so a retry is safe; other terms for a registered id are 409.
 */
export async function partnerAdminRoutes(
  app: FastifyInstance,
  options: { readonly kredmint: KredmintService; readonly apiKeys: readonly ApiKey[] },
): Promise<void> {
  const { kredmint } = options;
  await app.register(apiKeys, { apiKeys: options.apiKeys });
  useProblemErrors(app, "partners");
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.post(
    "/partners",
    {
      onRequest: app.requireRole("operator"),
      config: { problems: ["partner_conflict"] },
      schema: {
        tags: ["partners"],
        summary: "Register a Partner API partner (or rotate its secret, client token or webhook credentials)",
        body: registerPartnerSchema,
        response: { 200: registeredPartnerSchema, 201: registeredPartnerSchema },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const caller = operatorCaller(request);
      try {
        const result = await kredmint.partners.register(body, caller);
        const view = await kredmint.partners.find(body.partnerId);
        if (!view) throw new Error(`partner ${body.partnerId} registered but not in the read model`);
        return reply.code(result.created ? 201 : 200).send({
          ...view,
          ...(result.secret === undefined ? {} : { secret: result.secret }),
          ...(result.clientToken === undefined ? {} : { clientToken: result.clientToken }),
        });
      } catch (error) {
        const rule: PartnerRule | undefined = error instanceof Rejection ? error.rule : undefined;
        if (rule !== "partner_must_not_be_registered_twice") throw error;
        return sendProblem(request, reply, "partner_conflict", {
          detail: `partner ${body.partnerId} is registered with other terms`,
          param: "partnerId",
        });
      }
    },
  );

  routes.get(
    "/partners/:partnerId",
    {
      onRequest: app.requireRole("operator"),
      config: { problems: ["partner_not_found"] },
      schema: {
        tags: ["partners"],
        summary: "A partner's registration (never its secrets)",
        params: z.object({ partnerId: partnerIdSchema }),
        response: { 200: partnerViewSchema },
      },
    },
    async (request, reply) => {
      const view = await kredmint.partners.find(request.params.partnerId);
      if (!view) {
        return sendProblem(request, reply, "partner_not_found", {
          detail: `no partner ${request.params.partnerId}`,
          param: "partnerId",
        });
      }
      return view;
    },
  );

  routes.post(
    "/partners/:partnerId/suppliers/:supplierId/verify",
    {
      onRequest: app.requireRole("operator"),
      config: { problems: ["supplier_not_found"] },
      schema: {
        tags: ["partners"],
        summary: "Mark a supplier's bank account verified (status Verified); again is a no-op",
        params: supplierParamsSchema,
        body: verifySupplierSchema,
        response: { 200: supplierPayloadSchema },
      },
    },
    async (request, reply) => {
      const { partnerId, supplierId } = request.params;
      const caller = operatorCaller(request);
      const supplier = await kredmint.suppliers.verifyBankAccount(
        partnerId,
        supplierId,
        request.body.reference,
        caller,
      );
      if (!supplier) {
        return sendProblem(request, reply, "supplier_not_found", {
          detail: `partner ${partnerId} has no supplier ${supplierId}`,
          param: "supplierId",
        });
      }
      return supplier;
    },
  );

  disbursalAdminRoutes(app, kredmint);

  routes.get(
    "/partners/:partnerId/users/:userId",
    {
      onRequest: app.requireRole("operator"),
      config: { problems: ["partner_user_not_found"] },
      schema: {
        tags: ["partners"],
        summary: "A partner's user under onboarding: state, profile, financial data and the rule's proposals",
        params: partnerUserParamsSchema,
        response: { 200: userReviewSchema },
      },
    },
    async (request, reply) => {
      const { partnerId, userId } = request.params;
      const review = await kredmint.onboarding.review(partnerId, userId);
      if (!review) return userNotFound(request, reply, partnerId, userId);
      return reviewView(review);
    },
  );

  routes.post(
    "/partners/:partnerId/users/:userId/decision",
    {
      onRequest: app.requireRole("operator"),
      config: { problems: ["partner_user_not_found", "user_not_under_review", "user_already_decided"] },
      schema: {
        tags: ["partners"],
        summary:
          "Decide on a user under review: approve with an INR revolving credit limit (Active) or reject with a reason (Rejected)",
        params: partnerUserParamsSchema,
        body: userDecisionSchema,
        response: { 200: userReviewSchema },
      },
    },
    async (request, reply) => {
      const { partnerId, userId } = request.params;
      const body = request.body;
      const decision =
        body.decision === "approve"
          ? { decision: "approve" as const, creditLimitMinor: inrMinor(body.creditLimit) }
          : body;
      try {
        const review = await kredmint.onboarding.decide(partnerId, userId, decision, operatorCaller(request));
        if (!review) return userNotFound(request, reply, partnerId, userId);
        return reviewView(review);
      } catch (error) {
        const rule: PartnerUserRule | undefined = error instanceof Rejection ? error.rule : undefined;
        if (rule === "user_must_be_under_review") {
          return sendProblem(request, reply, "user_not_under_review", {
            detail: `${userId} has no financial data yet; it is decided once under review`,
          });
        }
        if (rule === "decision_is_final") {
          return sendProblem(request, reply, "user_already_decided", {
            detail: `${userId} is already decided; the decision is final`,
            param: "decision",
          });
        }
        throw error;
      }
    },
  );
}

function userNotFound(request: FastifyRequest, reply: FastifyReply, partnerId: string, userId: string) {
  return sendProblem(request, reply, "partner_user_not_found", {
    detail: `partner ${partnerId} has no user ${userId}`,
    param: "userId",
  });
}

const inr = (amountMinor: bigint) => renderDecimal(money(amountMinor, "INR"));

function reviewView(review: UserReview): UserReviewView {
  return {
    userId: review.userId,
    partnerId: review.partnerId,
    mobile: review.mobile,
    state: review.state,
    profile: { ...review.profile },
    creditLimit: review.creditLimitMinor === undefined ? null : inr(review.creditLimitMinor),
    documents: review.documents.map((d) => ({
      id: d.documentId,
      name: d.name,
      relativeUrl: d.relativeUrl,
      format: d.format,
      sha256: d.sha256,
      sizeBytes: d.sizeBytes,
      uploadedBy: d.uploadedBy,
      months: d.months,
      proposedCreditLimit: inr(d.proposedLimitMinor),
      basis: d.basis,
    })),
  };
}
