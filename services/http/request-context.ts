import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

declare module "fastify" {
  interface FastifyRequest {
    /** Ties together everything one business flow causes; defaults to the request id. */
    correlationId: string;
  }
}

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Request-Id in and out (every response carries one) and a correlation id bound to the request's logger. */
export const requestContext = fp(
  async (app: FastifyInstance) => {
    app.addHook("onRequest", async (request, reply) => {
      const header = request.headers["x-correlation-id"];
      request.correlationId = typeof header === "string" && SAFE_ID.test(header) ? header : request.id;
      request.log = request.log.child({ correlationId: request.correlationId });
      reply.header("Request-Id", request.id);
    });
  },
  { name: "request-context" },
);

/** Accept a caller's Request-Id when it is a sane token, otherwise mint one. */
export function requestId(header: string | string[] | undefined): string {
  return typeof header === "string" && SAFE_ID.test(header) ? header : randomUUID();
}
