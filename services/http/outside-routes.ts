import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { PATH_PARAM_MAX_CHARS } from "../../contracts/bounds.ts";

// Requests no route answers: a path no route has, a path parameter over PATH_PARAM_MAX_CHARS, a path
// parameter whose percent-encoding is broken. Fastify answers them with its own bodies before any route's
// error handler runs, so each API registers, for its prefix, how it says "not found" or "bad input" in its
// own vocabulary; the shell stays ignorant of them. Several plugins share one prefix (every /v1 context), so
// this is one table on the root, not one not-found handler per plugin.

export type OutsideRouteReason = "route_not_found" | "path_parameter_too_long" | "path_malformed";

export type OutsideRouteResponder = (
  request: FastifyRequest,
  reply: FastifyReply,
  reason: OutsideRouteReason,
) => FastifyReply;

declare module "fastify" {
  interface FastifyInstance {
    /** How requests under `prefix` that no route answers are refused (the longest matching prefix wins). */
    answerOutsideRoutes(prefix: string, responder: OutsideRouteResponder): void;
  }
}

/** The Fastify options and the root-level setup that send such requests to the prefix's responder. */
export function outsideRoutes() {
  const responders = new Map<string, OutsideRouteResponder>();

  function answer(request: FastifyRequest, reply: FastifyReply, reason: OutsideRouteReason) {
    const path = request.url.split("?", 1)[0] ?? "";
    const prefix = [...responders.keys()]
      .filter((p) => path === p || path.startsWith(`${p}/`))
      .sort((a, b) => b.length - a.length)[0];
    const responder = prefix === undefined ? undefined : responders.get(prefix);
    if (responder) return responder(request, reply, reason);
    return reply.code(reason === "route_not_found" ? 404 : 400).send({
      error: reason,
      message:
        reason === "route_not_found"
          ? `no route ${request.method} ${path}; the README lists the routes`
          : `a path parameter is malformed or over ${PATH_PARAM_MAX_CHARS} characters`,
    });
  }

  return {
    fastifyOptions: {
      routerOptions: { maxParamLength: PATH_PARAM_MAX_CHARS },
      frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
        if (error.code === "FST_ERR_MAX_PARAM_LENGTH")
          return answer(request, reply, "path_parameter_too_long");
        if (error.code === "FST_ERR_BAD_URL") return answer(request, reply, "path_malformed");
        // The other framework errors (a failing async constraint) are ours: a 500 through the error handler.
        return reply.send(error);
      },
    },
    /** Registered on the root before the mounts, so they can call answerOutsideRoutes. */
    plugin: fp(async (app: FastifyInstance) => {
      app.decorate("answerOutsideRoutes", (prefix: string, responder: OutsideRouteResponder) => {
        if (responders.has(prefix))
          throw new Error(`requests outside the routes of ${prefix} already answered`);
        responders.set(prefix, responder);
      });
      app.setNotFoundHandler((request, reply) => answer(request, reply, "route_not_found"));
    }),
  };
}
