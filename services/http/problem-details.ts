import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import fp from "fastify-plugin";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { z } from "zod";
import { PATH_PARAM_MAX_CHARS } from "../../contracts/bounds.ts";
import { V1_BODY_LIMIT_BYTES } from "../../contracts/v1/bounds.ts";
import { isTransient } from "../platform/transient.ts";
import { STATUS_TITLES, V1_ERROR_CODES, V1_ERRORS, type V1Error, type V1ErrorCode } from "./v1-errors.ts";

// `/v1` errors are RFC 9457 problem details (DESIGN.md "HTTP"), extended with the machine-readable `code`
// from the catalogue (v1-errors.ts), the offending `param` (when one input is to blame) and the `requestId` a
// caller quotes to support.

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

const problemSchema = z.object({
  type: z.string().describe("`/problems/<code>`"),
  title: z.string().describe("the HTTP status phrase"),
  status: z.number().int(),
  detail: z.string().describe("what exactly went wrong and how to fix it"),
  code: z.string(),
  param: z.string().optional().describe("the parameter, header or body field to blame"),
  requestId: z.string().describe("the Request-Id header of the reply"),
});

/** A code whose problem carries extension members (RFC 9457 §3.2) besides the standard ones. */
export interface ProblemWithExtension {
  readonly code: V1ErrorCode;
  readonly extension: z.ZodRawShape;
}

/** A code a route may answer: most are plain, a few carry extension members. */
export type ProblemDeclaration = V1ErrorCode | ProblemWithExtension;

declare module "fastify" {
  interface FastifyContextConfig {
    /** The catalogue codes this route's handler sends; the shared plugins declare their own. */
    problems?: readonly ProblemDeclaration[];
  }
}

export interface ProblemFields {
  /** What exactly went wrong and how to fix it; default: the catalogue's fix. */
  readonly detail?: string;
  readonly param?: string;
  /** Extension members, any JSON the shape declared with the route's code accepts (the serializer checks). */
  readonly extensions?: Readonly<Record<string, unknown>>;
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  code: V1ErrorCode,
  fields: ProblemFields = {},
): FastifyReply {
  const { status, fix } = V1_ERRORS[code];
  return reply
    .code(status)
    .type(PROBLEM_CONTENT_TYPE)
    .send({
      // Extension members first, so none can stand in for a standard one.
      ...fields.extensions,
      // A relative reference (allowed by RFC 9457 §3.1.1) so the type does not hard-code a public host name.
      type: `/problems/${code}`,
      title: STATUS_TITLES[status],
      status,
      detail: fields.detail ?? fix,
      code,
      ...(fields.param === undefined ? {} : { param: fields.param }),
      requestId: request.id,
    });
}

// What has been declared per route schema (a GET's implicit HEAD route shares its schema object), and the
// response entries built from it, so a later declaration extends them instead of clobbering them.
const declaredBySchema = new WeakMap<object, Map<V1ErrorCode, z.ZodRawShape | undefined>>();
const builtResponses = new WeakSet<object>();

/**
 * Adds codes a route may answer to its response schemas: per status, one problem schema whose `code` is the
 * enum of those codes. Fastify then refuses to send an undeclared code (the serializer validates), and the
 * OpenAPI document lists every status and code of the route. Called from onRoute hooks, in any order.
 */
export function declareProblems(route: RouteOptions, declarations: readonly ProblemDeclaration[]): void {
  route.schema ??= {};
  const schema = route.schema;
  const declared = declaredBySchema.get(schema) ?? new Map<V1ErrorCode, z.ZodRawShape | undefined>();
  declaredBySchema.set(schema, declared);
  for (const declaration of declarations) {
    if (typeof declaration !== "string") declared.set(declaration.code, declaration.extension);
    else if (!declared.has(declaration)) declared.set(declaration, undefined);
  }
  const response: Record<string, unknown> = isRecord(schema.response) ? schema.response : {};
  schema.response = response;
  for (const [status, codes] of byStatus(declared)) {
    const current = response[status];
    if (current !== undefined && !(isRecord(current) && builtResponses.has(current))) {
      throw new Error(
        `${route.method} ${route.url}: declare its ${status} answers as config.problems, not as a response schema`,
      );
    }
    const built = problemResponse(status, codes);
    builtResponses.add(built);
    response[status] = built;
  }
}

/** The declared codes grouped by status, each group in the catalogue's order. */
function byStatus(declared: ReadonlyMap<V1ErrorCode, z.ZodRawShape | undefined>) {
  const groups = new Map<V1Error["status"], [V1ErrorCode, z.ZodRawShape | undefined][]>();
  for (const code of V1_ERROR_CODES) {
    if (!declared.has(code)) continue;
    const status = V1_ERRORS[code].status;
    groups.set(status, [...(groups.get(status) ?? []), [code, declared.get(code)]]);
  }
  return groups;
}

function problemResponse(
  status: V1Error["status"],
  codes: readonly [V1ErrorCode, z.ZodRawShape | undefined][],
) {
  const ofStatus = problemSchema.extend({ status: z.literal(status) });
  const plain = codes.flatMap(([code, extension]) => (extension === undefined ? [code] : []));
  const branches = [
    ...codes.flatMap(([code, extension]) =>
      extension === undefined ? [] : [ofStatus.extend({ code: z.literal(code), ...extension })],
    ),
    ...(plain.length === 0 ? [] : [ofStatus.extend({ code: z.enum(plain) })]),
  ];
  const [first, ...rest] = branches;
  if (first === undefined) throw new Error("a problem response needs at least one code");
  return {
    description: codes
      .map(([code]) => `\`${code}\`: ${V1_ERRORS[code].title}. ${V1_ERRORS[code].fix}`)
      .join("\n\n"),
    content: { [PROBLEM_CONTENT_TYPE]: { schema: rest.length === 0 ? first : z.union([first, ...rest]) } },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

const METHODS_WITHOUT_BODY = new Set(["GET", "HEAD"]);

/** What the error handler below can answer on a route: input it refuses, and our own faults. */
function errorHandlerProblems(route: RouteOptions): ProblemDeclaration[] {
  const { schema } = route;
  const takesInput = [schema?.params, schema?.querystring, schema?.headers, schema?.body].some(Boolean);
  const methods = [route.method].flat();
  const takesBody = methods.some((method) => !METHODS_WITHOUT_BODY.has(method));
  return [
    ...(takesInput ? (["invalid_parameter"] as const) : []),
    ...(takesBody ? (["malformed_body", "body_too_large", "unsupported_media_type"] as const) : []),
    "internal_error",
    "temporarily_unavailable",
  ];
}

/** Fastify's own refusals of a body it cannot parse, by their status. */
const BODY_PROBLEMS: Partial<Record<number, V1ErrorCode>> = {
  413: "body_too_large",
  415: "unsupported_media_type",
};

/**
 * The error handler of every `/v1` plugin: a request that fails its schema is a 400 problem naming the
 * parameter; a body Fastify cannot parse is 400, 413 or 415; an unreachable store is a 503 the caller may
 * retry; anything else unexpected is a 500 problem, logged with the request id. Its routes' problem responses
 * (theirs in `config.problems`, and these) are declared as they are added.
 */
export function useProblemErrors(app: FastifyInstance, what: string): void {
  app.addHook("onRoute", (route) => {
    route.bodyLimit ??= V1_BODY_LIMIT_BYTES;
    declareProblems(route, [...errorHandlerProblems(route), ...(route.config?.problems ?? [])]);
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const [issue] = error.validation;
      const param = issue?.instancePath.replace(/^\//, "").replaceAll("/", ".") || undefined;
      return sendProblem(request, reply, "invalid_parameter", {
        detail: `${param ?? "request"}: ${issue?.message ?? "invalid"}`,
        ...(param === undefined ? {} : { param }),
      });
    }
    if (isTransient(error)) {
      request.log.warn({ err: error }, `${what}: transient failure`);
      return sendProblem(request, reply, "temporarily_unavailable");
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, `${what} route failed`);
      return sendProblem(request, reply, "internal_error");
    }
    const code = BODY_PROBLEMS[status] ?? "malformed_body";
    return sendProblem(request, reply, code, { detail: `${error.message}. ${V1_ERRORS[code].fix}` });
  });
}

/** A /v1 request no route answers: an unknown path is a 404 problem, a path parameter the router refused a 400. */
export const answerV1OutsideRoutes = fp(async (app: FastifyInstance) => {
  app.answerOutsideRoutes("/v1", (request, reply, reason) =>
    reason === "route_not_found"
      ? sendProblem(request, reply, "route_not_found", {
          detail: `There is no route ${request.method} ${request.url.split("?", 1)[0]}. ${V1_ERRORS.route_not_found.fix}`,
        })
      : sendProblem(request, reply, "invalid_parameter", {
          detail: `A path parameter is ${reason === "path_malformed" ? "not valid percent-encoding" : `over ${PATH_PARAM_MAX_CHARS} characters`}.`,
        }),
  );
});
