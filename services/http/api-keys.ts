import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { sha256Hex } from "../platform/digest.ts";
import { authClient, authFailuresOf, refuseWhenLimited } from "./auth-failures.ts";
import { declareProblems, sendProblem } from "./problem-details.ts";

// API keys with roles for `/v1` (DESIGN.md "HTTP"): `Authorization: Bearer <key>`. Routes opt in with
// `onRequest` or `preHandler: app.requireRole("operator")`, so one plugin serves every /v1 family with its
// own role; a guarded route's 401 and 403 problems and its security requirement are documented for it.
// Roles (README "API keys and roles"): `operator` (day-to-day operations), `finance` (reports, recon),
// `admin` (onboarding: merchants, buyers, credit limits, keys).

export interface ApiKey {
  readonly key: string;
  readonly roles: readonly string[];
}

export interface ApiKeysOptions {
  readonly apiKeys: readonly ApiKey[];
}

export type RoleGuard = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

declare module "fastify" {
  interface FastifyInstance {
    /** A preHandler that answers 401 without a known key and 403 when the key lacks `role`. */
    requireRole(role: string): RoleGuard;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i;

// Keys are looked up by their SHA-256: the map lookup then leaks nothing useful about the key through
// timing, and the plain keys are not kept in memory longer than the plugin's registration.
const digest = sha256Hex;

// The key a guarded request was let in with, by a short id of its digest: events record it as their actor.
const keyIds = new WeakMap<FastifyRequest, string>();

/**
 * Who made a guarded request, as an event's actor: `<role>:key-<first 12 hex of the key's SHA-256>`. The
 * id names the key without revealing it; an unguarded request is `<role>:unknown`.
 */
export function apiKeyActor(request: FastifyRequest, role: string): string {
  return `${role}:${keyIds.get(request) ?? "unknown"}`;
}

/** The OpenAPI security scheme of `/v1` (openapi.ts): a bearer API key. */
export const API_KEY_SCHEME = "apiKey";

/** The roles of a configured key, compared by digest; undefined for a key that is not configured. */
export function rolesOfKey(apiKeys: readonly ApiKey[], key: string): ReadonlySet<string> | undefined {
  const given = digest(key);
  const found = apiKeys.find((k) => digest(k.key) === given);
  return found === undefined ? undefined : new Set(found.roles);
}

export const apiKeys = fp(
  async (app: FastifyInstance, options: ApiKeysOptions) => {
    const rolesByDigest = new Map(options.apiKeys.map((k) => [digest(k.key), new Set(k.roles)]));
    const guards = new WeakSet<object>();
    const failures = authFailuresOf(app);

    // A guarded route documents the key it needs and what it answers without one.
    app.addHook("onRoute", (route) => {
      const hooks = [route.onRequest, route.preHandler].flat();
      if (!hooks.some((hook) => typeof hook === "function" && guards.has(hook))) return;
      declareProblems(route, [
        "api_key_missing",
        "api_key_invalid",
        "role_required",
        "authentication_failures_too_many",
      ]);
      route.schema ??= {};
      route.schema.security ??= [{ [API_KEY_SCHEME]: [] }];
    });

    app.decorate("requireRole", (role: string): RoleGuard => {
      const guard: RoleGuard = async (request, reply) => {
        const client = authClient(request);
        if (refuseWhenLimited(failures, client, reply) !== undefined) {
          return sendProblem(request, reply, "authentication_failures_too_many", { param: "Authorization" });
        }
        const header = request.headers.authorization;
        const token = typeof header === "string" ? BEARER.exec(header.trim())?.[1] : undefined;
        const hashed = token === undefined ? undefined : digest(token);
        const roles = hashed === undefined ? undefined : rolesByDigest.get(hashed);
        if (roles === undefined) {
          reply.header("WWW-Authenticate", 'Bearer realm="v1"');
          // A guess counts; a request that sent no key at all guessed nothing.
          if (token !== undefined) failures.failed(client);
          return sendProblem(request, reply, token === undefined ? "api_key_missing" : "api_key_invalid", {
            param: "Authorization",
          });
        }
        if (!roles.has(role)) {
          return sendProblem(request, reply, "role_required", {
            detail: `this operation needs an API key with the ${role} role`,
          });
        }
        keyIds.set(request, `key-${hashed?.slice(0, 12)}`);
        return undefined;
      };
      guards.add(guard);
      return guard;
    });
  },
  { name: "api-keys" },
);
