import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import {
  merchantListSchema,
  merchantParamsSchema,
  merchantStatusChangeSchema,
  merchantViewSchema,
  merchantWithKeySchema,
  merchantWithPushSigningSchema,
  registerMerchantSchema,
  rotateServerKeySchema,
  setPushSigningSchema,
} from "../../contracts/v1/merchants.ts";
import { type ApiKey, apiKeyActor, apiKeys } from "../http/api-keys.ts";
import { sendProblem, useProblemErrors } from "../http/problem-details.ts";
import { type Caller, Rejection } from "../ledger/decider.ts";
import type { CheckoutService } from "./checkout-service.ts";

export interface MerchantRoutesOptions {
  readonly checkout: CheckoutService;
  readonly apiKeys: readonly ApiKey[];
}

/** The admin who asked, as the actor of the events the request records. */
export function adminOf(request: FastifyRequest): Caller {
  return {
    actor: apiKeyActor(request, "admin"),
    correlationId: request.correlationId,
    causationId: request.id,
  };
}

const notFound = (request: FastifyRequest, reply: FastifyReply, merchantId: string) =>
  sendProblem(request, reply, "merchant_not_found", {
    detail: `no merchant ${merchantId}; name a registered merchant by its id`,
    param: "merchantId",
  });

/** Runs a command on a named merchant: an unknown one is 404 merchant_not_found. */
async function onMerchant<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  merchantId: string,
  run: () => Promise<T>,
): Promise<T | FastifyReply> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof Rejection && error.rule === "merchant_must_exist")
      return notFound(request, reply, merchantId);
    throw error;
  }
}

/**
 * `/v1/merchants` (role `admin`): onboard a Checkout API merchant, rotate its server_key with an overlap,
 * choose how its pushes are signed, suspend and reactivate it, list and read. A server_key is answered once, by the call that made it.
 * Mount under /v1.
 */
export async function merchantRoutes(app: FastifyInstance, options: MerchantRoutesOptions): Promise<void> {
  await app.register(apiKeys, { apiKeys: options.apiKeys });
  useProblemErrors(app, "merchants");
  const { checkout } = options;
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const admin = app.requireRole("admin");

  routes.post(
    "/merchants",
    {
      onRequest: admin,
      schema: {
        tags: ["merchants"],
        operationId: "registerMerchant",
        summary: "Onboard a Checkout API merchant; its server_key is in this answer only",
        body: registerMerchantSchema,
        response: { 201: merchantWithKeySchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await checkout.onboardMerchant(request.body, adminOf(request))),
  );

  routes.get(
    "/merchants",
    {
      onRequest: admin,
      schema: {
        tags: ["merchants"],
        operationId: "listMerchants",
        summary: "Every merchant, by id",
        response: { 200: merchantListSchema },
      },
    },
    async (_request, reply) => reply.send({ merchants: await checkout.merchantList() }),
  );

  routes.get(
    "/merchants/:merchantId",
    {
      onRequest: admin,
      config: { problems: ["merchant_not_found"] },
      schema: {
        tags: ["merchants"],
        operationId: "getMerchant",
        summary: "One merchant: terms, status, dealers, and a running key overlap",
        params: merchantParamsSchema,
        response: { 200: merchantViewSchema },
      },
    },
    async (request, reply) => {
      const found = await checkout.merchant(request.params.merchantId);
      return found === undefined ? notFound(request, reply, request.params.merchantId) : reply.send(found);
    },
  );

  routes.post(
    "/merchants/:merchantId/server-key/rotate",
    {
      onRequest: admin,
      config: { problems: ["merchant_not_found"] },
      schema: {
        tags: ["merchants"],
        operationId: "rotateMerchantServerKey",
        summary: "Issue a new server_key; the old one keeps working for overlapSeconds, then answers 2012",
        params: merchantParamsSchema,
        body: rotateServerKeySchema,
        response: { 200: merchantWithKeySchema },
      },
    },
    async (request, reply) => {
      const { merchantId } = request.params;
      const { overlapSeconds, reason } = request.body;
      return onMerchant(request, reply, merchantId, async () =>
        reply.send(await checkout.rotateMerchantKey(merchantId, overlapSeconds, reason, adminOf(request))),
      );
    },
  );

  routes.post(
    "/merchants/:merchantId/push-signing",
    {
      onRequest: admin,
      config: { problems: ["merchant_not_found"] },
      schema: {
        tags: ["merchants"],
        operationId: "setMerchantPushSigning",
        summary: "Choose how the merchant's pushes are signed; dedicated_secret issues a new whsec_ secret",
        description:
          "Choosing dedicated_secret again rotates the secret: the answer carries the new one, once, and the old one stops at once. The body's signature_key is unaffected.",
        params: merchantParamsSchema,
        body: setPushSigningSchema,
        response: { 200: merchantWithPushSigningSchema },
      },
    },
    async (request, reply) => {
      const { merchantId } = request.params;
      const { reason, ...setting } = request.body;
      return onMerchant(request, reply, merchantId, async () =>
        reply.send(await checkout.setPushSigning(merchantId, setting, reason, adminOf(request))),
      );
    },
  );

  for (const [action, status] of [
    ["suspend", "suspended"],
    ["reactivate", "active"],
  ] as const) {
    routes.post(
      `/merchants/:merchantId/${action}`,
      {
        onRequest: admin,
        config: { problems: ["merchant_not_found"] },
        schema: {
          tags: ["merchants"],
          operationId: `${action}Merchant`,
          summary:
            action === "suspend"
              ? "Suspend a merchant: its /kredivo calls answer 2012 until reactivated"
              : "Reactivate a suspended merchant",
          description: "Doing it again changes nothing and answers the same.",
          params: merchantParamsSchema,
          body: merchantStatusChangeSchema,
          response: { 200: merchantViewSchema },
        },
      },
      async (request, reply) => {
        const { merchantId } = request.params;
        return onMerchant(request, reply, merchantId, async () =>
          reply.send(
            await checkout.setMerchantStatus(merchantId, status, request.body.reason, adminOf(request)),
          ),
        );
      },
    );
  }
}
