import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import {
  buyerParamsSchema,
  buyerStatusChangeSchema,
  buyerViewSchema,
  pinLinkIssuedSchema,
  pinLinkSchema,
  registerBuyerSchema,
} from "../../contracts/v1/buyers.ts";
import { type ApiKey, apiKeys } from "../http/api-keys.ts";
import { sendProblem, useProblemErrors } from "../http/problem-details.ts";
import { Rejection } from "../ledger/decider.ts";
import type { CheckoutService } from "./checkout-service.ts";
import { adminOf } from "./merchant-routes.ts";
import { PhoneTaken } from "./use-cases/buyer-admin.ts";

export interface BuyerRoutesOptions {
  readonly checkout: CheckoutService;
  readonly apiKeys: readonly ApiKey[];
}

/** The buyer rules a /v1 call can break, as the catalogue's codes. */
async function answerRefusal<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  userId: string,
  run: () => Promise<T>,
): Promise<T | FastifyReply> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof Rejection)) throw error;
    switch (error.rule) {
      case "buyer_must_exist":
        return sendProblem(request, reply, "buyer_not_found", {
          detail: `no buyer ${userId}`,
          param: "userId",
        });
      case "buyer_must_not_be_closed":
        return sendProblem(request, reply, "buyer_closed", { detail: `buyer ${userId} is closed` });
      case "buyer_must_have_nothing_outstanding":
        return sendProblem(request, reply, "buyer_has_outstanding_balance", {
          detail: `buyer ${userId} still holds or owes credit`,
        });
      default:
        throw error;
    }
  }
}

/**
 * `/v1/buyers` (role `admin`): register a Checkout API buyer by phone, issue the one-time link the buyer
 * sets the PIN through (`GET /kredivo/buyers/pin/<token>`), freeze, unfreeze, close, read. Mount under /v1.
 */
export async function buyerRoutes(app: FastifyInstance, options: BuyerRoutesOptions): Promise<void> {
  await app.register(apiKeys, { apiKeys: options.apiKeys });
  useProblemErrors(app, "buyers");
  const { checkout } = options;
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const admin = app.requireRole("admin");
  const tags = ["buyers"];

  routes.post(
    "/buyers",
    {
      onRequest: admin,
      config: { problems: ["buyer_phone_taken"] },
      schema: {
        tags,
        operationId: "registerBuyer",
        summary: "Register a Checkout API buyer by phone (no PIN yet: issue a PIN link)",
        body: registerBuyerSchema,
        response: { 201: buyerViewSchema },
      },
    },
    async (request, reply) => {
      try {
        return reply.code(201).send(await checkout.registerBuyer(request.body.phone, adminOf(request)));
      } catch (error) {
        if (!(error instanceof PhoneTaken)) throw error;
        return sendProblem(request, reply, "buyer_phone_taken", {
          detail: `the phone is registered to buyer ${error.userId}`,
          param: "phone",
        });
      }
    },
  );

  routes.get(
    "/buyers/:userId",
    {
      onRequest: admin,
      config: { problems: ["buyer_not_found"] },
      schema: {
        tags,
        operationId: "getBuyer",
        summary: "One buyer: phone, status, whether a PIN is set",
        params: buyerParamsSchema,
        response: { 200: buyerViewSchema },
      },
    },
    async (request, reply) => {
      const found = await checkout.buyer(request.params.userId);
      if (found !== undefined) return reply.send(found);
      return sendProblem(request, reply, "buyer_not_found", { param: "userId" });
    },
  );

  routes.post(
    "/buyers/:userId/pin-link",
    {
      onRequest: admin,
      config: { problems: ["buyer_not_found", "buyer_closed"] },
      schema: {
        tags,
        operationId: "issueBuyerPinLink",
        summary: "A one-time link for the buyer to set or reset the PIN",
        description:
          "The link works once, until expiresAt; give it to the buyer only. The PIN is typed by the buyer on " +
          "the link's page and never passes through this API. Each call makes a new link.",
        params: buyerParamsSchema,
        body: pinLinkSchema,
        response: { 201: pinLinkIssuedSchema },
      },
    },
    async (request, reply) =>
      answerRefusal(request, reply, request.params.userId, async () =>
        reply
          .code(201)
          .send(
            await checkout.issuePinLink(request.params.userId, request.body.ttlSeconds, adminOf(request)),
          ),
      ),
  );

  for (const [action, frozen] of [
    ["freeze", true],
    ["unfreeze", false],
  ] as const) {
    routes.post(
      `/buyers/:userId/${action}`,
      {
        onRequest: admin,
        config: { problems: ["buyer_not_found", "buyer_closed"] },
        schema: {
          tags,
          operationId: `${action}Buyer`,
          summary: frozen
            ? "Freeze a buyer: their checkouts are denied (buyer_must_not_be_frozen) until unfrozen"
            : "Unfreeze a frozen buyer",
          description: "Doing it again changes nothing and answers the same.",
          params: buyerParamsSchema,
          body: buyerStatusChangeSchema,
          response: { 200: buyerViewSchema },
        },
      },
      async (request, reply) =>
        answerRefusal(request, reply, request.params.userId, async () =>
          reply.send(
            await checkout.setBuyerFrozen(
              request.params.userId,
              frozen,
              request.body.reason,
              adminOf(request),
            ),
          ),
        ),
    );
  }

  routes.post(
    "/buyers/:userId/close",
    {
      onRequest: admin,
      config: { problems: ["buyer_not_found", "buyer_has_outstanding_balance"] },
      schema: {
        tags,
        operationId: "closeBuyer",
        summary: "Close a buyer who holds and owes nothing; final",
        params: buyerParamsSchema,
        body: buyerStatusChangeSchema,
        response: { 200: buyerViewSchema },
      },
    },
    async (request, reply) =>
      answerRefusal(request, reply, request.params.userId, async () =>
        reply.send(await checkout.closeBuyer(request.params.userId, request.body.reason, adminOf(request))),
      ),
  );
}
