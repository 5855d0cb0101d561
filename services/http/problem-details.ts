import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { z } from "zod";
import { isTransient } from "../platform/transient.ts";

// `/v1` errors are RFC 9457 problem details (DESIGN.md "HTTP"), extended with the machine-readable `code`,
// the offending `param` (when one input is to blame) and the `requestId` a caller quotes to support.

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  param: z.string().optional(),
  requestId: z.string(),
});
export type Problem = z.output<typeof problemSchema>;

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  503: "Service Unavailable",
  422: "Unprocessable Content",
  500: "Internal Server Error",
};

export function problem(
  request: FastifyRequest,
  status: number,
  fields: { code: string; detail: string; param?: string },
): Problem {
  return {
    // A relative reference (allowed by RFC 9457 §3.1.1) so the type does not hard-code a public host name.
    type: `/problems/${fields.code}`,
    title: TITLES[status] ?? "Error",
    status,
    detail: fields.detail,
    code: fields.code,
    ...(fields.param === undefined ? {} : { param: fields.param }),
    requestId: request.id,
  };
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  fields: { code: string; detail: string; param?: string },
): FastifyReply {
  return reply
    .code(status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problem(request, status, fields));
}

/**
 * The error handler of every `/v1` plugin: a request that fails its schema is a 400 problem naming the
 * parameter; an unreachable store is a 503 the caller may retry; anything else unexpected is a 500 problem,
 * logged with the request id.
 */
export function useProblemErrors(app: FastifyInstance, what: string): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const [issue] = error.validation;
      const param = issue?.instancePath.replace(/^\//, "").replaceAll("/", ".") || undefined;
      return sendProblem(request, reply, 400, {
        code: "invalid_parameter",
        detail: `${param ?? "request"}: ${issue?.message ?? "invalid"}`,
        ...(param === undefined ? {} : { param }),
      });
    }
    if (isTransient(error)) {
      request.log.warn({ err: error }, `${what}: transient failure`);
      return sendProblem(request, reply, 503, {
        code: "temporarily_unavailable",
        detail: "the ledger cannot complete this right now; nothing was changed, retry in a moment",
      });
    }
    const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, `${what} route failed`);
    return sendProblem(request, reply, status, {
      code: status === 500 ? "internal_error" : (error.code ?? "bad_request").toLowerCase(),
      detail: status === 500 ? "the request could not be completed" : error.message,
    });
  });
}
