import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { v1Field } from "../../contracts/v1/bounds.ts";
import { type ApiKey, apiKeys } from "../http/api-keys.ts";
import { sendProblem, useProblemErrors } from "../http/problem-details.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import {
  type Attempt,
  DELIVERY_STATUSES,
  type Delivery,
  findAttempts,
  findDeadLetters,
  findDelivery,
  type ReplayResult,
} from "./store.ts";

export interface NotifierRoutesOptions {
  readonly readStore: ReadStore;
  readonly notifier: { replay(deliveryId: string): Promise<ReplayResult> };
  readonly apiKeys: readonly ApiKey[];
}

/** A delivery's own fields and, beside them, the labels its source gave it (a push's transactionId, trxStatus). */
const deliverySchema = z
  .object({
    deliveryId: z.string().describe("The event's id, sent as webhook-id on every attempt"),
    source: z.string().describe("The delivery source that builds its requests, e.g. kredivo-push"),
    streamId: z.string(),
    eventType: z.string(),
    eventPosition: z.string(),
    url: z.string().nullable().describe("Where the latest attempt went; null before the first"),
    status: z.enum(DELIVERY_STATUSES),
    attemptCount: z.number().int(),
    replays: z.number().int(),
    nextAttemptAt: z.string().nullable(),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
    deadAt: z.string().nullable(),
    lastError: z.string().nullable(),
  })
  // Typed unknown because TypeScript cannot index-sign strings beside these fields; every label is a string.
  .catchall(z.unknown().describe("A label the delivery's source gave it (a string)"));

const attemptSchema = z.object({
  round: z.number().int(),
  attempt: z.number().int(),
  startedAt: z.string(),
  durationMs: z.number().int(),
  url: z.string().nullable(),
  httpStatus: z.number().int().nullable(),
  error: z.string().nullable(),
  outcome: z.enum(["delivered", "failed"]),
});

const deliveryParams = z.object({ deliveryId: v1Field("deliveryId") });

/**
 * Operator API over the notifier, mounted under /v1: the dead-letter list, replay, and one delivery with
 * its attempts. Every route needs an API key with the `operator` role; errors are problem details.
 */
export async function notifierRoutes(app: FastifyInstance, options: NotifierRoutesOptions): Promise<void> {
  await app.register(apiKeys, { apiKeys: options.apiKeys });
  useProblemErrors(app, "notifier");
  deadLettersRoute(app, options.readStore);
  replayRoute(app, options);
  deliveryRoute(app, options.readStore);
}

/** `GET /notifications/dead-letters`: what the notifier gave up on, for an operator to look into. */
function deadLettersRoute(app: FastifyInstance, readStore: ReadStore): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    "/notifications/dead-letters",
    {
      preHandler: app.requireRole("operator"),
      schema: {
        tags: ["notifications"],
        summary: "Dead letters: deliveries given up after their last attempt, most recent first",
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
        response: { 200: z.object({ data: z.array(deliverySchema) }) },
      },
    },
    async (request) => ({ data: (await findDeadLetters(readStore, request.query.limit)).map(toApi) }),
  );
}

/** `POST /notifications/dead-letters/:deliveryId/replay`: a dead letter gets a fresh round of attempts. */
function replayRoute(app: FastifyInstance, options: NotifierRoutesOptions): void {
  const { readStore, notifier } = options;
  app.withTypeProvider<ZodTypeProvider>().post(
    "/notifications/dead-letters/:deliveryId/replay",
    {
      preHandler: app.requireRole("operator"),
      config: { problems: ["delivery_not_found", "delivery_not_dead"] },
      schema: {
        tags: ["notifications"],
        summary: "Send a dead letter again: back to pending, due now, with a fresh round of attempts",
        params: deliveryParams,
        response: { 202: deliverySchema },
      },
    },
    async (request, reply) => {
      const { deliveryId } = request.params;
      const result = await notifier.replay(deliveryId);
      if (result === "not_found") return notFound(request, reply, deliveryId);
      const delivery = await findDelivery(readStore, deliveryId);
      if (result === "not_dead" || !delivery) {
        return sendProblem(request, reply, "delivery_not_dead", {
          detail: `delivery ${deliveryId} is ${delivery?.status ?? "gone"}; only a dead letter can be replayed`,
          param: "deliveryId",
        });
      }
      return reply.code(202).send(toApi(delivery));
    },
  );
}

/** `GET /notifications/:deliveryId`: one delivery and every attempt made, to see why it failed. */
function deliveryRoute(app: FastifyInstance, readStore: ReadStore): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    "/notifications/:deliveryId",
    {
      preHandler: app.requireRole("operator"),
      config: { problems: ["delivery_not_found"] },
      schema: {
        tags: ["notifications"],
        summary: "One delivery (id = the event id) with every attempt made",
        params: deliveryParams,
        response: { 200: deliverySchema.extend({ attempts: z.array(attemptSchema) }) },
      },
    },
    async (request, reply) => {
      const { deliveryId } = request.params;
      const delivery = await findDelivery(readStore, deliveryId);
      if (!delivery) return notFound(request, reply, deliveryId);
      const attempts: Attempt[] = await findAttempts(readStore, deliveryId);
      return { ...toApi(delivery), attempts };
    },
  );
}

function notFound(request: FastifyRequest, reply: FastifyReply, deliveryId: string) {
  return sendProblem(request, reply, "delivery_not_found", {
    detail: `no delivery ${deliveryId}: use a delivery id (the id of the event it delivers)`,
    param: "deliveryId",
  });
}

function toApi(d: Delivery): z.output<typeof deliverySchema> {
  return {
    ...d.labels,
    deliveryId: d.deliveryId,
    source: d.source,
    streamId: d.streamId,
    eventType: d.eventType,
    eventPosition: d.eventPosition,
    url: d.url,
    status: d.status,
    attemptCount: d.attempts,
    replays: d.replays,
    nextAttemptAt: d.nextAttemptAt === null ? null : new Date(d.nextAttemptAt).toISOString(),
    createdAt: d.createdAt,
    deliveredAt: d.deliveredAt,
    deadAt: d.deadAt,
    lastError: d.lastError,
  };
}
