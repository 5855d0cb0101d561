import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { authClient, authFailuresOf, refuseWhenLimited } from "../../http/auth-failures.ts";
import type { Caller } from "../../ledger/decider.ts";
import type { PartnerRow } from "../read-models/directory.ts";
import { KredmintRefusal } from "../refusal.ts";

// `Authorization: Basic base64(partnerId:secret)` on every Partner API call (seed 000), then the partner's
// rate limit (@fastify/rate-limit, keyed by the authenticated partner: one partner's burst never spends
// another's budget). Failed authentications count per address and per claimed partner id
// (services/http/auth-failures.ts): past the limit, 429 with Retry-After before the secret is even checked.

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

/** The partner id a Basic header claims (its user part), whether or not its secret is right. */
function claimedPartner(header: string | undefined): string | undefined {
  const encoded = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header?.trim() ?? "")?.[1];
  if (encoded === undefined) return undefined;
  const user = Buffer.from(encoded, "base64").toString("utf8").split(":", 1)[0] ?? "";
  return user === "" ? undefined : user.slice(0, 200);
}

async function partnerAuth(app: FastifyInstance, options: PartnerAuthOptions): Promise<void> {
  const failures = authFailuresOf(app);
  app.addHook("onRequest", async (request, reply) => {
    const header = request.headers.authorization;
    const client = authClient(request, claimedPartner(header));
    const wait = refuseWhenLimited(failures, client, reply);
    if (wait !== undefined) {
      throw new KredmintRefusal(
        429,
        "Authorization",
        `failed too often from this address; retry after ${wait} seconds (Retry-After) with the partner id and secret kredmint gave you`,
      );
    }
    const partner = await options.authenticate(header);
    if (!partner) {
      if (header !== undefined) failures.failed(client);
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
