import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { supplierPayloadSchema } from "../../../contracts/kredmint/supplier.ts";
import {
  partnerIdSchema,
  partnerViewSchema,
  registeredPartnerSchema,
  registerPartnerSchema,
  supplierParamsSchema,
  verifySupplierSchema,
} from "../../../contracts/v1/partners.ts";
import { type ApiKey, apiKeys } from "../../http/api-keys.ts";
import { sendProblem, useProblemErrors } from "../../http/problem-details.ts";
import { Rejection } from "../../ledger/decider.ts";
import type { PartnerRule } from "../../ledger/partner/partner.decider.ts";
import type { KredmintService } from "../kredmint-service.ts";

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
}
