import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";

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
