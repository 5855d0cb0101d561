import { errorCodes, type FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import {
  JsonTextRefused,
  type JsonTextRule,
  parseJsonPreservingNumbers,
} from "../../contracts/json-number.ts";

// The one JSON body parser of every route (DESIGN.md "Money": amounts are parsed exactly from the JSON
// text). JSON.parse would turn an INR `90071992547409.93` into 90071992547409.9375 before any schema saw
// it; here every number that is not a plain safe integer reaches the route's schema as a JsonNumberText
// holding the digits the sender wrote, which parseMoney reads into bigint minor units exactly.

/** Why a JSON body was refused: absent, or a JSON text rule (malformed, too deep, a poisoning key). */
export type JsonBodyRefusal = "required" | JsonTextRule;

export interface ExactJsonOptions {
  /** Bytes; default the app's bodyLimit. */
  readonly bodyLimit?: number;
  /**
   * The error a refused body becomes, in the API's own vocabulary. Default: the errors fastify's own JSON
   * parser raises (400, FST_ERR_CTP_EMPTY_JSON_BODY or FST_ERR_CTP_INVALID_JSON_BODY), so routes answer
   * refused bodies as they always did.
   */
  readonly refused?: (refusal: JsonBodyRefusal, cause?: unknown) => Error;
}

/** Reads a request body: blank is `required`; otherwise the JSON text, numbers exact. */
export function parseJsonBody(text: string, refused: NonNullable<ExactJsonOptions["refused"]>): unknown {
  if (text.trim() === "") throw refused("required");
  try {
    return parseJsonPreservingNumbers(text);
  } catch (error) {
    if (error instanceof JsonTextRefused) throw refused(error.rule, error);
    throw error;
  }
}

function asFastifyRefused(refusal: JsonBodyRefusal, cause?: unknown): Error {
  const error =
    refusal === "required"
      ? new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY()
      : new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY();
  if (cause !== undefined) error.cause = cause;
  return error;
}

/**
 * Makes `application/json` (any charset) parse with exact numbers in the context it is registered in and
 * every context below it (fastify-plugin). Registered once by the app for every route; a context that
 * words refusals its own way (the /kredivo error contract) registers it again with `refused`.
 */
export const exactJsonBody = fp(
  async (app: FastifyInstance, options: ExactJsonOptions) => {
    const refused = options.refused ?? asFastifyRefused;
    if (app.hasContentTypeParser("application/json")) app.removeContentTypeParser("application/json");
    app.addContentTypeParser(
      "application/json",
      { parseAs: "string", ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }) },
      (_request, text, done) => {
        try {
          done(null, parseJsonBody(typeof text === "string" ? text : text.toString("utf8"), refused));
        } catch (error) {
          done(error instanceof Error ? error : new Error(String(error)), undefined);
        }
      },
    );
  },
  { name: "exact-json-body" },
);
