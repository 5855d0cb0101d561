import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { sendProblem } from "./problem-details.ts";

// API keys with roles for `/v1` (DESIGN.md "HTTP"): `Authorization: Bearer <key>`. Routes opt in with
// `preHandler: app.requireRole("operator")`, so one plugin serves every /v1 family with its own role.

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
const digest = (key: string) => createHash("sha256").update(key).digest("hex");

export const apiKeys = fp(
  async (app: FastifyInstance, options: ApiKeysOptions) => {
    const rolesByDigest = new Map(options.apiKeys.map((k) => [digest(k.key), new Set(k.roles)]));

    app.decorate("requireRole", (role: string): RoleGuard => {
      return async (request, reply) => {
        const header = request.headers.authorization;
        const token = typeof header === "string" ? BEARER.exec(header.trim())?.[1] : undefined;
        const roles = token === undefined ? undefined : rolesByDigest.get(digest(token));
        if (roles === undefined) {
          reply.header("WWW-Authenticate", 'Bearer realm="v1"');
          return sendProblem(request, reply, 401, {
            code: token === undefined ? "api_key_missing" : "api_key_invalid",
            detail:
              token === undefined
                ? "send an API key as Authorization: Bearer <key>"
                : "the API key is not recognised",
            param: "Authorization",
          });
        }
        if (!roles.has(role)) {
          return sendProblem(request, reply, 403, {
            code: "role_required",
            detail: `this operation needs an API key with the ${role} role`,
          });
        }
        return undefined;
      };
    });
  },
  { name: "api-keys" },
);
