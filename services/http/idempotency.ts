import type { FastifyInstance, RouteOptions } from "fastify";
import fp from "fastify-plugin";
import { z } from "zod";
import type { ReadStore } from "../platform/readstore/port.ts";
import {
  claimSettlement,
  fingerprintOf,
  IDEMPOTENCY_KEY,
  idempotencyClaims,
  replay,
  sha256,
} from "./idempotency-claims.ts";
import { declareProblems, sendProblem } from "./problem-details.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** A money-moving POST that takes an Idempotency-Key header (DESIGN.md "HTTP"). */
    idempotent?: boolean;
  }
}

export interface IdempotencyOptions {
  readonly readStore: ReadStore;
  /** How long a key and its response are kept; at least 24 h. */
  readonly ttlHours?: number;
  /** A claim whose holder stopped renewing it this long ago is taken over by the next retry (IDEMPOTENCY_LEASE_MS). */
  readonly leaseMs?: number;
  readonly now?: () => Date;
}

/**
 * The IETF Idempotency-Key draft for routes marked `config: { idempotent: true }`: a missing key is 400; the
 * same key with a different request is 422; the same key while the first request still runs is 409; after
 * it, the stored status and body are replayed (with `Idempotent-Replayed: true`). A 5xx is not stored, so
 * the client may retry it. Keys are scoped to the caller's credentials, so tenants never share keys.
 * A request still running holds its key on a lease it keeps renewing; one whose process died stops
 * renewing, and after the lease the next retry takes the key over and runs (idempotency-claims.ts).
 */
export const idempotencyKeys = fp(
  async (app: FastifyInstance, options: IdempotencyOptions) => {
    const claims = idempotencyClaims(options);

    app.addHook("onRoute", (route) => {
      if (route.config?.idempotent) documentIdempotencyKey(route);
    });

    app.addHook("preHandler", async (request, reply) => {
      if (!request.routeOptions.config.idempotent) return;
      const key = request.headers["idempotency-key"];
      if (typeof key !== "string" || !IDEMPOTENCY_KEY.test(key)) {
        return sendProblem(
          request,
          reply,
          key === undefined ? "idempotency_key_required" : "idempotency_key_invalid",
          {
            param: "Idempotency-Key",
          },
        );
      }
      const scope = sha256(`${request.headers.authorization ?? ""}`);
      const outcome = await claims.claim(
        scope,
        key,
        fingerprintOf(request.method, request.url, request.body),
      );
      if (outcome.kind === "claimed") {
        request.idempotency = outcome.claim;
        return;
      }
      if (outcome.kind === "reused") {
        return sendProblem(request, reply, "idempotency_key_reused", {
          detail: "this Idempotency-Key was used for a different request; use a new key for a new request",
          param: "Idempotency-Key",
        });
      }
      if (outcome.kind === "in_progress") {
        return sendProblem(request, reply, "idempotency_request_in_progress", {
          detail: "the first request with this Idempotency-Key is still being processed; retry later",
          param: "Idempotency-Key",
        });
      }
      return replay(reply, outcome.response);
    });

    const settlement = claimSettlement(claims);
    app.addHook("onSend", settlement.onSend);
    app.addHook("onResponse", settlement.onResponse);
  },
  { name: "idempotency-keys" },
);

/** An idempotent route lists the header and what the preHandler below answers about it. */
function documentIdempotencyKey(route: RouteOptions): void {
  declareProblems(route, [
    "idempotency_key_required",
    "idempotency_key_invalid",
    "idempotency_key_reused",
    "idempotency_request_in_progress",
  ]);
  const header = {
    "idempotency-key": z
      .string()
      .optional()
      .describe(
        "required by this operation (400 idempotency_key_required without it): 1 to 255 visible ASCII " +
          "characters, e.g. a UUID, new for each new request",
      ),
  };
  route.schema ??= {};
  const { headers } = route.schema;
  if (headers !== undefined && !(headers instanceof z.ZodObject)) {
    throw new Error(`${route.method} ${route.url}: idempotent routes declare their headers as a zod object`);
  }
  route.schema.headers = headers ? headers.extend(header) : z.looseObject(header);
}
