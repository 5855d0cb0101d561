import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { z } from "zod";
import { PATH_PARAM_MAX_CHARS } from "../../../contracts/bounds.ts";
import { errorEnvelope, type KredmintErrorStatus } from "../../../contracts/kredmint/envelope.ts";
import { describeKredmintIssue } from "../../../contracts/kredmint/issues.ts";
import { exactJsonBody } from "../../http/exact-json.ts";
import type { OutsideRouteResponder } from "../../http/outside-routes.ts";
import { isTransient } from "../../platform/transient.ts";
import { KredmintRefusal } from "../refusal.ts";

// The Partner API's error contract (seed 000 "Errors"), for every route of the `/kredmint` API context. Every
// refusal is the seed's HTTP status with the envelope `{"payload": null, "sum": 0.0, "timestamp": …,
// "error": {"code": <status>, "message": "<field>: <what is wrong and how to fix it>"}}`:
//
//   cause                                                         status  message
//   malformed JSON, empty body, wrong Content-Type, over 1 MiB    400     body: … / content-type: …
//   a field missing or invalid (the route's zod schema)           400     <field>: <reason and fix>
//   a use case's refusal (KredmintRefusal, decider rules)         its own (400, 404)
//   Authorization missing, not Basic, unknown partner or secret   401     Authorization: …
//   Accept that excludes JSON                                     406     Accept: …
//   an existing path with another method                          405     method: … (and an Allow header)
//   no such path                                                  404     path: …
//   a path parameter over PATH_PARAM_MAX_CHARS or badly encoded    400     path: …
//   past the partner's rate limit                                 429     Authorization: … (and Retry-After)
//   too many failed authentications (address, partner id)         429     Authorization: … (and Retry-After)
//   a store out of reach, or a contended stream                   503     request_id: <Request-Id>
//   anything else (a fault of ours, logged)                       500     request_id: <Request-Id>
//
// Bad input is refused before any use case runs, so it never appends to the log.

const BODY_LIMIT_BYTES = 1024 * 1024;

/** A request body that failed its route schema, keeping zod's issues for the message. */
class KredmintRequestInvalid extends Error {
  override name = "KredmintRequestInvalid";
  readonly zodError: z.ZodError;
  constructor(zodError: z.ZodError) {
    super(zodError.message);
    this.zodError = zodError;
  }
}

/** What a request that went wrong is answered with, and whether it was our fault. */
export function kredmintReplyFor(
  error: unknown,
  requestId: string,
): { status: KredmintErrorStatus; message: string; fault: boolean } {
  const refused = (status: KredmintErrorStatus, message: string) => ({ status, message, fault: false });
  if (error instanceof KredmintRequestInvalid) return refused(400, describeKredmintIssue(error.zodError));
  if (error instanceof KredmintRefusal) return refused(error.status, error.message);
  const client = fastifyClientError(error);
  if (client) return refused(client.status, client.message);
  return { status: isTransient(error) ? 503 : 500, message: `request_id: ${requestId}`, fault: true };
}

function fastifyClientError(error: unknown): { status: KredmintErrorStatus; message: string } | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = "code" in error && typeof error.code === "string" ? error.code : "";
  const status = "statusCode" in error && typeof error.statusCode === "number" ? error.statusCode : 500;
  switch (code) {
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
    case "FST_ERR_CTP_INVALID_TYPE":
      return { status: 400, message: "content-type: is not supported; send application/json" };
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return { status: 400, message: `body: is over ${BODY_LIMIT_BYTES} bytes; send a smaller body` };
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return { status: 400, message: "body: is empty; send a JSON object" };
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return { status: 400, message: "body: does not match its Content-Length; send the whole body" };
  }
  if (status === 429) {
    return {
      status: 429,
      message: "Authorization: this partner sent too many requests; retry after Retry-After seconds",
    };
  }
  return status >= 400 && status < 500 ? { status: 400, message: `request: ${error.message}` } : undefined;
}

/** Whether an Accept header lets us answer JSON: absent, `*​/*`, `application/*`, or a JSON type, not q=0. */
export function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === "") return true;
  return accept.split(",").some((range) => {
    const [type = "", ...params] = range.split(";").map((part) => part.trim().toLowerCase());
    const excluded = params.some((p) => /^q=0(\.0{0,3})?$/.test(p));
    const json =
      ["*/*", "application/*", "application/json"].includes(type) ||
      /^application\/[\w.+-]*\+json$/.test(type);
    return json && !excluded;
  });
}

/** The methods each /kredmint path answers, filled as its routes are registered. */
export type MethodsByPath = Map<string, Set<string>>;

/**
 * Requests under /kredmint that no route answers (registered with `app.answerOutsideRoutes`, so an over-long
 * or badly encoded path parameter gets the envelope too): another method on a path is 405 with Allow, a
 * path that names no operation 404, a path parameter over its bound or malformed 400.
 */
export function kredmintOutsideRoutes(methodsByPath: MethodsByPath): OutsideRouteResponder {
  return (request, reply, reason) => {
    const path = request.url.split("?")[0] ?? "";
    if (reason !== "route_not_found") {
      return send(
        reply,
        400,
        `path: a path parameter is over ${PATH_PARAM_MAX_CHARS} characters or badly percent-encoded; send the id as the API answered it`,
      );
    }
    const methods = methodsByPath.get(path) ?? methodsByPath.get(path.replace(/\/$/, ""));
    if (methods) {
      reply.header("Allow", [...methods].join(", "));
      return send(
        reply,
        405,
        `method: ${request.method} is not allowed here; use ${[...methods].join(" or ")}`,
      );
    }
    return send(reply, 404, `path: ${path} is not a Partner API operation; see /docs`);
  };
}

async function errorContract(app: FastifyInstance, options: { methodsByPath: MethodsByPath }): Promise<void> {
  app.removeAllContentTypeParsers();
  await app.register(exactJsonBody, {
    bodyLimit: BODY_LIMIT_BYTES,
    refused: (why) => new KredmintRefusal(400, "body", `${why}; send a well-formed JSON object`),
  });

  app.setValidatorCompiler<z.ZodType>(({ schema }) => (data) => {
    const result = schema.safeParse(data);
    return result.success ? { value: result.data } : { error: new KredmintRequestInvalid(result.error) };
  });

  app.addHook("onRequest", async (request) => {
    if (!acceptsJson(request.headers.accept)) {
      throw new KredmintRefusal(406, "Accept", "excludes JSON; accept application/json (or */*)");
    }
  });

  // Which methods each path answers, so another method on it is 405 rather than 404 (kredmintOutsideRoutes).
  app.addHook("onRoute", (route) => {
    const methods = options.methodsByPath.get(route.url) ?? new Set<string>();
    for (const method of [route.method].flat()) methods.add(method);
    options.methodsByPath.set(route.url, methods);
  });

  app.setErrorHandler(async (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, message, fault } = kredmintReplyFor(error, request.id);
    if (fault) request.log.error({ err: error, requestId: request.id }, "kredmint request failed");
    else request.log.info({ requestId: request.id, status, detail: message }, "kredmint request refused");
    return send(reply, status, message);
  });
}

function send(reply: FastifyReply, status: KredmintErrorStatus, message: string): FastifyReply {
  return reply
    .code(status)
    .type("application/json")
    .send(JSON.stringify(errorEnvelope(status, message, new Date())));
}

/** Register inside the `/kredmint` API context, before its routes (fastify-plugin: it applies to that context). */
export const kredmintErrorContract = fp(errorContract, { name: "kredmint-error-contract" });
