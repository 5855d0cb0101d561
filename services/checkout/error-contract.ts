import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { z } from "zod";
import { PATH_PARAM_MAX_CHARS } from "../../contracts/bounds.ts";
import {
  type CheckoutErrorReply,
  checkoutError,
  checkoutErrorFromZod,
} from "../../contracts/checkout/errors.ts";
import { authClient, authFailuresOf, refuseWhenLimited } from "../http/auth-failures.ts";
import { exactJsonBody } from "../http/exact-json.ts";
import type { OutsideRouteResponder } from "../http/outside-routes.ts";
import { Rejection } from "../ledger/decider.ts";
import { isTransient } from "../platform/transient.ts";
import { kredivoRefusal } from "./kredivo-codes.ts";

// The Checkout API's error contract (seed 001 "API Error Code"), for every route of the context it is
// registered in (the `/kredivo` one). Every outcome is the seed's envelope `{"status": <code>, "message": …}`:
//
//   cause                                                  code   HTTP  error.message
//   malformed JSON, empty or missing body, too deep        1002   200   body: <why>
//   Content-Type missing or not application/json           1002   200   content-type: must_be_application/json
//   body over the 1 MiB limit                              1002   200   body: too_large:max_1048576_bytes
//   body not an object, a field missing or invalid         1002   200   <field>: <reason> (checkoutErrorFromZod)
//   KredivoBadRequest(detail) from the edge                1002   200   detail
//   a use case's Rejection                                 its row of kredivo-codes.ts (2012, 2013, …; 1002
//                                                                      with the detail; a template such as
//                                                                      2013 gets its params)
//   any other 4xx fastify raises for the request           1002   200   request: <fastify's message>
//   a path that names no endpoint (kredivoOutsideRoutes)   1002   404   path: no endpoint <METHOD> <path>
//   a path parameter over 300 characters or badly encoded  1002   200   path: a path parameter is <why>
//   too many bad server_keys from this address (auth-failures.ts)  9429   429   retry after <n> seconds
//     (and Retry-After); checked before the body is read
//   a transient failure (store unreachable, or     9999   503   request_id: <Request-Id>
//     a contended stream's retries exhausted): nothing was written, retry later
//   anything else (a fault of ours)                        9999   500   request_id: <Request-Id>
//
// HTTP status is the catalogue's (errors.ts): 200 for every coded outcome, 500 for 9999, except that a
// store that cannot be reached answers the seed's 9999 ("try again in a few minutes") with 503, so a client
// or a load balancer sees a temporary condition rather than a crash. Bad input is refused before any use
// case runs, so it never appends to the log; 9999 is logged at error level with the request id, refusals
// at info level with what was wrong.

const BODY_LIMIT_BYTES = 1024 * 1024;

/** A request body that failed its route schema, keeping zod's issues for checkoutErrorFromZod. */
export class CheckoutRequestInvalid extends Error {
  override name = "CheckoutRequestInvalid";
  readonly zodError: z.ZodError;
  constructor(zodError: z.ZodError) {
    super(zodError.message);
    this.zodError = zodError;
  }
}

/**
 * A request the edge refuses before or beside the use cases, for what the wire carries (the body's framing,
 * an amount JSON cannot carry exactly): 1002 with `field: reason`.
 */
export class KredivoBadRequest extends Error {
  override name = "KredivoBadRequest";
  readonly detail: string;
  constructor(detail: string) {
    super(detail);
    this.detail = detail;
  }
}

/** A request from an address that sent too many bad server_keys: 9429 until its window ends. */
class KredivoAuthLimited extends Error {
  override name = "KredivoAuthLimited";
  readonly seconds: number;
  constructor(seconds: number) {
    super(`too many failed server_key attempts from this address; retry after ${seconds} seconds`);
    this.seconds = seconds;
  }
}

/** The rule a server_key that is not an active merchant's breaks: a failed authentication. */
const BAD_SERVER_KEY = "server_key_must_belong_to_active_merchant";

type CheckoutReply = CheckoutErrorReply & { readonly fault: boolean; readonly detail?: string };

/** What a request that went wrong is answered with, whether it was our fault, and what was wrong. */
export function checkoutReplyFor(error: unknown, requestId: string): CheckoutReply {
  const refused = (reply: CheckoutErrorReply, detail = reply.body.error?.message) => ({
    ...reply,
    fault: false,
    detail,
  });
  if (error instanceof CheckoutRequestInvalid) return refused(checkoutErrorFromZod(error.zodError));
  if (error instanceof KredivoBadRequest) return refused(checkoutError(1002, error.detail));
  if (error instanceof KredivoAuthLimited) return refused(checkoutError(9429, error.message));
  if (error instanceof Rejection) {
    const { reply, detail } = kredivoRefusal(error);
    return refused(reply, detail);
  }
  const clientError = fastifyClientError(error);
  if (clientError !== undefined) return refused(checkoutError(1002, clientError));
  const fault = checkoutError(9999, `request_id: ${requestId}`);
  if (isTransient(error)) {
    return { ...fault, httpStatus: 503, fault: true };
  }
  return { ...fault, fault: true };
}

/** fastify's own refusals of a request (content type, size, framing) as a `field: reason` detail. */
function fastifyClientError(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = "code" in error && typeof error.code === "string" ? error.code : "";
  const status = "statusCode" in error && typeof error.statusCode === "number" ? error.statusCode : 500;
  switch (code) {
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
    case "FST_ERR_CTP_INVALID_TYPE":
      return "content-type: must_be_application/json";
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return `body: too_large:max_${BODY_LIMIT_BYTES}_bytes`;
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return "body: required";
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return "body: length_does_not_match_content-length";
  }
  return status >= 400 && status < 500 ? `request: ${error.message}` : undefined;
}

async function errorContract(app: FastifyInstance): Promise<void> {
  const failures = authFailuresOf(app);
  // Before the body is even read: an address past the limit costs us no parsing and no store read.
  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    const seconds = refuseWhenLimited(failures, authClient(request), reply);
    if (seconds !== undefined) throw new KredivoAuthLimited(seconds);
  });

  // JSON only (the seed's `Content-Type: application/json`), read with exact numbers so amounts never pass
  // through a double. Anything else, text/plain included, is refused as FST_ERR_CTP_INVALID_MEDIA_TYPE.
  app.removeAllContentTypeParsers();
  await app.register(exactJsonBody, {
    bodyLimit: BODY_LIMIT_BYTES,
    refused: (why) => new KredivoBadRequest(`body: ${why}`),
  });

  // The route schemas are zod; keep the ZodError (fastify's default compiler flattens it) so the 1002
  // detail is describeFirstIssue's `field: reason`.
  app.setValidatorCompiler<z.ZodType>(({ schema }) => (data) => {
    const result = schema.safeParse(data);
    return result.success ? { value: result.data } : { error: new CheckoutRequestInvalid(result.error) };
  });

  // A POST with no body at all never reaches a parser (a JSON `null` body does, and is not an object).
  // A path that names no endpoint never gets here: kredivoOutsideRoutes answers it, whatever its body.
  app.addHook("preValidation", async (request: FastifyRequest) => {
    if (request.body === undefined) {
      throw new KredivoBadRequest("body: required");
    }
  });

  app.setErrorHandler(async (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof Rejection && error.rule === BAD_SERVER_KEY) failures.failed(authClient(request));
    const { httpStatus, body, fault, detail } = checkoutReplyFor(error, request.id);
    if (fault) {
      request.log.error({ err: error, requestId: request.id, code: body.status }, "checkout request failed");
    } else {
      request.log.info({ requestId: request.id, code: body.status, detail }, "checkout request refused");
    }
    return reply.code(httpStatus).send(body);
  });
}

/**
 * A request under /kredivo that no route answers (services/http/outside-routes.ts), in the seed's envelope
 * rather than fastify's bodies. A path that names no endpoint (or a method it does not serve) is 1002 with
 * HTTP 404, since no integration with the real API can rely on that path. A path parameter over
 * PATH_PARAM_MAX_CHARS or not valid percent-encoding (e.g. checkout/<id>/abort with a 400-character id) is
 * bad input on an endpoint: 1002 with HTTP 200, as every refusal of the seed's.
 */
export const kredivoOutsideRoutes: OutsideRouteResponder = (request, reply, reason) => {
  const path = request.url.split("?", 1)[0] ?? "";
  const refusal =
    reason === "route_not_found"
      ? { httpStatus: 404, detail: `path: no endpoint ${request.method} ${truncated(path)}` }
      : reason === "path_malformed"
        ? { httpStatus: 200, detail: "path: a path parameter is not valid percent-encoding" }
        : { httpStatus: 200, detail: `path: a path parameter is over ${PATH_PARAM_MAX_CHARS} characters` };
  const { body } = checkoutError(1002, refusal.detail);
  request.log.info(
    { requestId: request.id, code: body.status, detail: refusal.detail },
    "checkout request refused",
  );
  return reply.code(refusal.httpStatus).send(body);
};

/** A path as the not-found answer names it: bounded, so an over-long URL is not echoed whole. */
const truncated = (path: string, max = 200) => (path.length > max ? `${path.slice(0, max)}…` : path);

/**
 * Register inside the `/kredivo` context, before the routes: it sets that context's body parser, validator
 * compiler, error handler and a preValidation hook (fastify-plugin, so they apply to the context itself).
 */
export const checkoutErrorContract = fp(errorContract, { name: "checkout-error-contract" });
