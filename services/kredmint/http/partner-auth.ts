import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Caller } from "../../ledger/decider.ts";
import type { PartnerRow } from "../read-models/directory.ts";
import { KredmintRefusal } from "../refusal.ts";

// `Authorization: Basic base64(partnerId:secret)` on every Partner API call (seed 000), then the partner's
// rate limit (@fastify/rate-limit, keyed by the authenticated partner: one partner's burst never spends
// another's budget).

export interface PartnerAuthOptions {
  readonly authenticate: (header: string | undefined) => Promise<PartnerRow | undefined>;
  readonly rateLimit: { readonly max: number; readonly windowMs: number };
}

const partners = new WeakMap<FastifyRequest, PartnerRow>();

/** The partner that authenticated this request (set for every route of the API context). */
export function partnerOf(request: FastifyRequest): PartnerRow {
  const partner = partners.get(request);
  if (!partner)
    throw new KredmintRefusal(401, "Authorization", "is missing; send Basic base64(partnerId:secret)");
  return partner;
}

/** Who asks, for the events a partner's request appends. */
export function partnerCaller(request: FastifyRequest): Caller {
  return {
    actor: `partner:${partnerOf(request).partnerId}`,
    correlationId: request.correlationId,
    causationId: request.id,
  };
}

async function partnerAuth(app: FastifyInstance, options: PartnerAuthOptions): Promise<void> {
  app.addHook("onRequest", async (request, reply) => {
    const header = request.headers.authorization;
    const partner = await options.authenticate(header);
    if (!partner) {
      reply.header("WWW-Authenticate", 'Basic realm="kredmint"');
      throw new KredmintRefusal(
        401,
        "Authorization",
        header === undefined
          ? "is missing; send Basic base64(partnerId:secret) with the credentials kredmint gave you"
          : "is not a known partner's Basic credentials; check the partner id and secret kredmint gave you",
      );
    }
    partners.set(request, partner);
  });
  await app.register(rateLimit, {
    hook: "preHandler",
    max: options.rateLimit.max,
    timeWindow: options.rateLimit.windowMs,
    keyGenerator: (request) => partners.get(request)?.partnerId ?? request.ip,
  });
}

/** Register inside the API context after the error contract (fastify-plugin: it applies to that context). */
export const kredmintPartnerAuth = fp(partnerAuth, { name: "kredmint-partner-auth" });
