import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { createJsonSchemaTransform, type jsonSchemaTransform } from "fastify-type-provider-zod";
import type { z } from "zod";
import { JsonNumberText } from "../../contracts/money.ts";
import { API_KEY_SCHEME } from "./api-keys.ts";
import { V1_ERROR_CODES, V1_ERRORS } from "./v1-errors.ts";

/** Where the OpenAPI document and its UI are served: `/docs` (UI), `/docs/json`, `/docs/yaml`. */
export const DOCS_PREFIX = "/docs";

type UnrepresentableContext = { readonly zodSchema: z.core.$ZodType };

/**
 * The contracts accept and emit exact JSON numbers as JsonNumberText instances (`z.instanceof`), which JSON
 * Schema cannot express; on the wire they are plain JSON numbers, so that is what the document says. Other
 * unrepresentable parts become `{}` (the library's default); transforms are documented by their input
 * (requests) or output (responses) side, and the validating schema stays the route's own.
 */
function representJsonNumberText(ctx: UnrepresentableContext) {
  // A refinement is a clone whose `parent` is the refined schema; `z.instanceof` marks the original.
  for (let schema: z.core.$ZodType | undefined = ctx.zodSchema; schema; schema = schema._zod.parent) {
    if (schema._zod.bag.Class === JsonNumberText) return { type: "number" as const };
  }
  return "any" as const;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

const EXAMPLE_KEYS = new Set(["example", "examples", "x-examples"]);

/**
 * Tidies the unions the conversion leaves behind, in place: drops repeated branches (a JSON number and a
 * JsonNumberText are both `{type: number}`), folds same-typed literal branches into one enum (tenure:
 * 1|3|6|12) and lifts a lone branch into its parent (`anyOf: [{type: number}]` → `type: number`).
 */
function tidyUnions(node: unknown): void {
  if (Array.isArray(node)) {
    for (const child of node) tidyUnions(child);
    return;
  }
  if (!isRecord(node)) return;
  for (const [key, child] of Object.entries(node)) if (!EXAMPLE_KEYS.has(key)) tidyUnions(child);
  const branches = node.anyOf;
  if (!Array.isArray(branches)) return;
  let unique = [...new Map(branches.map((b) => [JSON.stringify(b), b])).values()];
  const first = unique[0];
  const literal = (b: unknown): b is { type: unknown; enum: unknown[] } =>
    isRecord(b) && Object.keys(b).length === 2 && Array.isArray(b.enum) && "type" in b;
  if (unique.length > 1 && literal(first) && unique.every((b) => literal(b) && b.type === first.type)) {
    unique = [{ type: first.type, enum: unique.flatMap((b) => (literal(b) ? b.enum : [])) }];
  }
  const [only] = unique;
  if (unique.length === 1 && isRecord(only) && !("type" in node)) {
    delete node.anyOf;
    for (const [key, value] of Object.entries(only)) if (!(key in node)) node[key] = value;
  } else {
    node.anyOf = unique;
  }
}

const zodTransform = createJsonSchemaTransform({
  zodToJsonConfig: { unrepresentable: representJsonNumberText },
});

/** The catalogue as one enum, each code with its status, title and fix in the description. */
const v1ErrorCodeSchema = {
  type: "string" as const,
  enum: [...V1_ERROR_CODES],
  description: [
    'The `code` of a `/v1` problem (README "/v1 errors"):',
    ...V1_ERROR_CODES.map((code) => {
      const { status, title, fix } = V1_ERRORS[code];
      return `- \`${code}\` (${status}) ${title}: ${fix}`;
    }),
  ].join("\n"),
};

const transform: typeof jsonSchemaTransform = (document) => {
  const result = zodTransform(document);
  tidyUnions(result.schema);
  return result;
};

/**
 * OpenAPI 3 generated from the routes' zod schemas (the same ones that validate and serialize), through
 * fastify-type-provider-zod's JSON Schema transform. Register before any route so every route is seen;
 * routes with `schema.hide` (health, the UI's own) are left out.
 */
export const openApiDocs = fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
      openapi: {
        openapi: "3.0.3",
        info: {
          title: "BNPL payments ledger",
          version: "0.1.0",
          description:
            "The Checkout API (VND) under `/kredivo`: a merchant's integration works by changing only its " +
            "base URL. Requests are JSON (`Content-Type: application/json`, at most 1 MiB). Every outcome " +
            "is HTTP 200 with the code in the body's `status` (1 success, 1002 bad request with the field " +
            "and reason in `error.message`, 2012 invalid merchant, …) except 9999, a fault on our side, " +
            "which is HTTP 500. Every response carries a `Request-Id` header.\n\n" +
            "Our own APIs under `/v1` take an API key (`Authorization: Bearer <key>`) and answer errors as " +
            "RFC 9457 problem details with a `code` from `V1ErrorCode`, the " +
            "offending `param` and the `requestId`; each operation lists every status and code it can answer.",
        },
        components: {
          schemas: { V1ErrorCode: v1ErrorCodeSchema },
          securitySchemes: {
            [API_KEY_SCHEME]: {
              type: "http",
              scheme: "bearer",
              description: "a `/v1` API key of `API_KEYS`; its roles decide which operations it may call",
            },
            partnerBasic: {
              type: "http",
              scheme: "basic",
              description: "the Partner API (`/kredmint`): Basic base64(partnerId:secret)",
            },
          },
        },
      },
      transform,
    });
    await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
  },
  { name: "openapi-docs" },
);
