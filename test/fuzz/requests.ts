import fc from "fast-check";
import type { LightMyRequestResponse } from "fastify";
import { expect } from "vitest";

// Requests for one operation of the served OpenAPI document, generated from its schemas alone, so a route
// added later is fuzzed without new code: bodies from the schema or mutated from the documented examples
// (valid-ish, at and past each bound, of the wrong type), hostile path and query values, and raw abuse that
// no schema describes (wrong content types, truncated, nested or duplicate-keyed JSON, invalid UTF-8).

export interface JsonSchema {
  readonly type?: string;
  readonly properties?: Record<string, JsonSchema>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly enum?: readonly unknown[];
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly nullable?: boolean;
  readonly minLength?: number;
  readonly pattern?: string;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
}
interface Parameter {
  readonly in: "path" | "query" | "header";
  readonly name: string;
  readonly schema: JsonSchema;
}
interface MediaType {
  readonly schema: JsonSchema;
  readonly examples?: Record<string, { readonly value: unknown }>;
}
interface ProblemSchema {
  readonly anyOf?: readonly ProblemSchema[];
  readonly properties?: { readonly code?: { readonly enum?: readonly unknown[] } };
}
interface Operation {
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly content: Record<string, MediaType> };
  readonly responses?: Record<
    string,
    { readonly content?: Record<string, { readonly schema: ProblemSchema }> }
  >;
}
export interface OpenApiDocument {
  readonly paths: Record<string, Record<string, Operation>>;
}

export interface Route {
  readonly method: "GET" | "POST";
  /** As the document writes it, e.g. `/v1/finance/buyers/{userId}/loans`. */
  readonly path: string;
  readonly name: string;
  readonly op: Operation;
}

export interface FuzzRequest {
  readonly method: "GET" | "POST";
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload?: string | Buffer;
  /** What kind of request it is, for the report. */
  readonly kind: string;
  /** Whether the URL still names the route (raw `../` and suffixes lead elsewhere). */
  readonly onRoute: boolean;
}

/** The request in a line of at most a few hundred characters: fast-check prints it for a counterexample. */
export function summary(req: Omit<FuzzRequest, "onRoute">): string {
  const payload = typeof req.payload === "string" ? req.payload : req.payload?.toString("hex");
  return `${req.method} ${req.url.slice(0, 200)} [${req.kind}] ${payload?.slice(0, 300) ?? ""}`;
}

const printable = <T extends Omit<FuzzRequest, "onRoute">>(req: T): T =>
  Object.assign(req, { [fc.toStringMethod]: () => summary(req) });

/** Every operation of the document. */
export function routesOf(doc: OpenApiDocument): Route[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => {
      const upper = method.toUpperCase();
      if (upper !== "GET" && upper !== "POST") throw new Error(`no generator for ${upper} ${path}`);
      return { method: upper, path, op, name: `${upper} ${path}` } as const;
    }),
  );
}

/**
 * The routes the app serves that the OpenAPI document leaves out (`schema.hide`: the hosted pages, health),
 * read from Fastify's route tree (`printRoutes({ commonPrefix: false })`), minus the documentation UI's own.
 * Each becomes a Route with its path parameters and no documented body, for the same generators.
 */
export function hiddenRoutes(tree: string, doc: OpenApiDocument): Route[] {
  const documented = new Set(
    Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    ),
  );
  const stack: string[] = [];
  const routes: Route[] = [];
  for (const line of tree.split("\n")) {
    const match = line.match(/^((?:[│ ] {3})*)[├└]── (\S+) \(([^)]+)\)$/);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    const path = stack.join("").replace(/:(\w+)/g, "{$1}");
    if (path.startsWith("/docs")) continue;
    for (const method of match[3]!.split(", ")) {
      if ((method !== "GET" && method !== "POST") || documented.has(`${method} ${path}`)) continue;
      const parameters = [...path.matchAll(/\{(\w+)\}/g)].map(
        ([, name]) => ({ in: "path", name: name!, schema: { type: "string" } }) as const,
      );
      routes.push({ method, path, name: `${method} ${path}`, op: { parameters } });
    }
  }
  return routes;
}

/** Hostile HTML form fields: posted urlencoded to a POST route, as the query of a GET (a page's `tk`). */
export function formRequests(route: Route, ctx: RouteContext): fc.Arbitrary<FuzzRequest> {
  const field = fc.constantFrom("tk", "csrf", "phone", "pin", "otp", "tenure", "lang", "x", "__proto__");
  return fc
    .record({
      path: fc.tuple(...(route.op.parameters ?? []).map(() => pathValue)),
      fields: fc.array(fc.tuple(field, fc.oneof(fc.string(), hostileString)), { maxLength: 8 }),
      credentials: fc.constantFrom(...ctx.credentials),
    })
    .map(({ path, fields, credentials }) => {
      let url = route.path;
      (route.op.parameters ?? []).forEach((p, i) => {
        url = url.replace(`{${p.name}}`, path[i]!);
      });
      const form = fields
        .map(([k, v]) => `${k}=${encodeURIComponent(v.replace(/[\uD800-\uDFFF]/g, "?"))}`)
        .join("&");
      return printable({
        method: route.method,
        ...(route.method === "POST" ? { url, payload: form } : { url: form === "" ? url : `${url}?${form}` }),
        headers: { ...credentials, "content-type": "application/x-www-form-urlencoded" },
        kind: "form",
        onRoute: !path.some((segment) => segment === "%2e" || segment === "%2e%2e"),
      });
    });
}

/** The problem codes the operation documents for `status` (each branch of its problem+json schema). */
export function documentedCodes(route: Route, status: number): string[] {
  const schema = route.op.responses?.[String(status)]?.content?.["application/problem+json"]?.schema;
  const branches = schema?.anyOf ?? (schema ? [schema] : []);
  return branches.flatMap((b) => (b.properties?.code?.enum ?? []).map(String));
}

/** Strings that break naive id handling: separators, quotes, non-ASCII, traversal, control and over-long. */
export const HOSTILE_STRINGS: readonly string[] = [
  "",
  " ",
  "a b",
  "'",
  '"',
  "é",
  "日本語",
  "🙂",
  "\u0000",
  "\uD800",
  "../../etc/passwd",
  "..%2f..%2f",
  "%00",
  ";",
  "<script>",
  "a".repeat(191),
  "a".repeat(192),
  "a".repeat(201),
  "a".repeat(70_000),
  "..",
  "a/b",
];

const hostileString = fc.constantFrom(...HOSTILE_STRINGS);
const hugeNumber = fc.constantFrom(
  -1,
  0,
  -0,
  0.5,
  Number.MAX_SAFE_INTEGER + 2,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  1e-300,
);
const anyJson = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  hugeNumber,
  hostileString,
  fc.constant([]),
  fc.constant({}),
);

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? 40;
  const atBounds = [min - 1, min, max, max + 1].filter((n) => n >= 0).map((n) => "x".repeat(n));
  // A pattern (ids, phone numbers) is matched most of the time, so requests get past it to what follows.
  const shaped = schema.pattern
    ? fc.stringMatching(new RegExp(schema.pattern), { size: "small" })
    : fc.string({ minLength: min, maxLength: Math.min(max, 40) });
  return fc.oneof(
    { weight: 3, arbitrary: shaped },
    { weight: 1, arbitrary: fc.constantFrom(...atBounds) },
    { weight: 2, arbitrary: hostileString },
  );
}

function numberOf(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = schema.minimum ?? -1_000_000_000;
  const max = schema.maximum ?? 1_000_000_000;
  const inRange = integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true });
  return fc.oneof(
    { weight: 3, arbitrary: inRange },
    { weight: 1, arbitrary: fc.constantFrom(min - 1, min, max, max + 1) },
    { weight: 1, arbitrary: hugeNumber },
  );
}

/** A value for `schema`: mostly of its shape (with bounds probed), sometimes of the wrong type. */
function arbitraryFor(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  const shaped = shapedValueOf(schema, depth);
  const wrongType = schema.nullable ? fc.oneof(anyJson, fc.constant(null)) : anyJson;
  return fc.oneof({ weight: 6, arbitrary: shaped }, { weight: 1, arbitrary: wrongType });
}

function shapedValueOf(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) return fc.oneof(...branches.map((b) => arbitraryFor(b, depth + 1)));
  if (schema.enum) return fc.oneof(fc.constantFrom(...schema.enum), hostileString);
  switch (schema.type) {
    case "string":
      return stringOf(schema);
    case "integer":
      return numberOf(schema, true);
    case "number":
      return numberOf(schema, false);
    case "boolean":
      return fc.boolean();
    case "array": {
      const item = depth > 4 ? anyJson : arbitraryFor(schema.items ?? {}, depth + 1);
      const minLength = schema.minItems ?? 0;
      return fc.array(item, { minLength: Math.max(0, minLength - 1), maxLength: (schema.maxItems ?? 3) + 1 });
    }
    case "object":
      return objectOf(schema, depth);
    default:
      return anyJson;
  }
}

/** Required properties mostly present, optional ones sometimes, plus now and then one nobody expects. */
function objectOf(schema: JsonSchema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(properties).map(([name, s]) => {
    const keep = required.has(name) ? 0.9 : 0.5;
    const value = depth > 4 ? anyJson : arbitraryFor(s, depth + 1);
    return fc.tuple(fc.constant(name), fc.option(value, { freq: Math.round(1 / (1 - keep)) }));
  });
  const extra = fc.option(fc.tuple(fc.constantFrom("__proto__", "constructor", "unexpected"), anyJson));
  return fc.tuple(fc.tuple(...fields), extra).map(([entries, more]) => {
    const object: Record<string, unknown> = {};
    for (const [name, value] of entries) if (value !== null) object[name] = value;
    if (more) Object.defineProperty(object, more[0], { value: more[1], enumerable: true });
    return object;
  });
}

/** A documented example with one property (at any depth) replaced by a value of that property's schema. */
function mutatedExample(example: unknown, schema: JsonSchema): fc.Arbitrary<unknown> {
  const slots = slotsOf(example, schema, []);
  if (slots.length === 0) return fc.constant(example);
  return fc
    .constantFrom(...slots)
    .chain(({ path, schema: at }) => arbitraryFor(at).map((value) => replaced(example, path, value)));
}

interface Slot {
  readonly path: readonly (string | number)[];
  readonly schema: JsonSchema;
}

function slotsOf(value: unknown, schema: JsonSchema, path: readonly (string | number)[]): Slot[] {
  const branch = (schema.anyOf ?? schema.oneOf)?.[0] ?? schema;
  const here = path.length > 0 ? [{ path, schema }] : [];
  if (Array.isArray(value) && branch.items) {
    return [...here, ...value.flatMap((v, i) => slotsOf(v, branch.items!, [...path, i]))];
  }
  if (value && typeof value === "object" && branch.properties) {
    const nested = Object.entries(branch.properties).flatMap(([name, s]) =>
      slotsOf((value as Record<string, unknown>)[name], s, [...path, name]),
    );
    return [...here, ...nested];
  }
  return here;
}

function replaced(value: unknown, path: readonly (string | number)[], by: unknown): unknown {
  if (path.length === 0) return by;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? replaced(v, rest, by) : v));
  const object = value as Record<string, unknown>;
  return { ...object, [head!]: replaced(object[head!], rest, by) };
}

/** A body for the operation: from its schema, or one of its examples with one field mutated. */
function bodyOf(op: Operation, overrides: Record<string, string>): fc.Arbitrary<unknown> | undefined {
  const media = op.requestBody?.content["application/json"];
  if (!media) return undefined;
  const examples = Object.values(media.examples ?? {}).map((e) => withOverrides(e.value, overrides));
  const fromSchema = arbitraryFor(media.schema).map((v) => withOverrides(v, overrides));
  if (examples.length === 0) return fromSchema;
  return fc.oneof(
    fromSchema,
    fc.constantFrom(...examples).chain((example) => mutatedExample(example, media.schema)),
  );
}

/** Credentials the test knows (e.g. the sandbox server key) put in place of whatever the example has. */
function withOverrides(value: unknown, overrides: Record<string, string>): unknown {
  if (!value || typeof value !== "object" || Array.isArray(value)) return value;
  const object = { ...(value as Record<string, unknown>) };
  for (const [name, known] of Object.entries(overrides)) if (name in object) object[name] = known;
  return object;
}

/** Percent-encodes every byte of the UTF-8 form (a lone surrogate becomes U+FFFD, as on the wire). */
const percentEncoded = (value: string) =>
  [...Buffer.from(value, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");

const pathValue = fc.oneof(
  fc.string({ minLength: 1, maxLength: 20 }).map(percentEncoded),
  hostileString.map(percentEncoded),
);

const queryValue = (schema: JsonSchema) => arbitraryFor(schema).map((v) => String(v));

export interface RouteContext {
  /** Header sets to authenticate with (the empty set included): one is picked per request. */
  readonly credentials: readonly Record<string, string>[];
  /** Body properties the test knows good values for. */
  readonly bodyOverrides: Record<string, string>;
}

/** Requests built from the route's schemas: parameters, query, headers and body. */
export function schemaRequests(route: Route, ctx: RouteContext): fc.Arbitrary<FuzzRequest> {
  const params = route.op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === "path");
  const queryParams = params.filter((p) => p.in === "query");
  const headerParams = params.filter((p) => p.in === "header");
  const body = bodyOf(route.op, ctx.bodyOverrides) ?? fc.constant(undefined);
  return fc
    .record({
      path: fc.tuple(...pathParams.map(() => pathValue)),
      query: fc.tuple(...queryParams.map((p) => fc.option(queryValue(p.schema)))),
      headers: fc.tuple(...headerParams.map(() => fc.option(fc.oneof(fc.uuid(), hostileString)))),
      credentials: fc.constantFrom(...ctx.credentials),
      body,
    })
    .map(({ path, query, headers, credentials, body }) => {
      let url = route.path;
      pathParams.forEach((p, i) => {
        url = url.replace(`{${p.name}}`, path[i]!);
      });
      const search = queryParams
        .map((p, i) => (query[i] === null ? undefined : `${p.name}=${percentEncoded(query[i]!)}`))
        .filter((q) => q !== undefined)
        .join("&");
      const sent: Record<string, string> = { ...credentials };
      headerParams.forEach((p, i) => {
        if (headers[i] !== null) sent[p.name] = headers[i]!.replace(/[^\x20-\x7e]/g, "?");
      });
      if (route.method === "POST") sent["content-type"] = "application/json";
      return printable({
        method: route.method,
        url: search ? `${url}?${search}` : url,
        headers: sent,
        ...(route.method === "POST" ? { payload: body === undefined ? "" : JSON.stringify(body) } : {}),
        kind: "schema",
        // `.` and `..` as a whole segment are resolved away before routing, whether encoded or not.
        onRoute: !path.some((segment) => segment === "%2e" || segment === "%2e%2e"),
      });
    });
}

const NESTING = 10_000;

/** Raw abuse no schema describes, sent with the route's method to a path of the route. */
export function abuseRequests(route: Route, ctx: RouteContext): fc.Arbitrary<FuzzRequest> {
  const base = route.path.replace(/\{[^}]+\}/g, "x");
  const example = Object.values(route.op.requestBody?.content["application/json"]?.examples ?? {})[0]?.value;
  const json = JSON.stringify(withOverrides(example ?? {}, ctx.bodyOverrides));
  const firstKey = json.match(/^\{"([^"]+)"/)?.[1] ?? "a";
  const payloads: [string, string | Buffer][] = [
    ["truncated JSON", json.slice(0, Math.max(1, Math.floor(json.length / 2)))],
    ["deeply nested arrays", `${"[".repeat(NESTING)}${"]".repeat(NESTING)}`],
    ["deeply nested objects", `${'{"a":'.repeat(NESTING)}1${"}".repeat(NESTING)}`],
    ["duplicate keys", `{"${firstKey}":"a b",${json.slice(1)}`],
    [
      "duplicate keys, hostile last",
      `${json.slice(0, -1)}${json.length > 2 ? "," : ""}"${firstKey}":"é 'x"}`,
    ],
    ["huge numbers", `{"${firstKey}":1e400,"amount":123456789012345678901234567890}`],
    [
      "invalid UTF-8",
      Buffer.concat([Buffer.from(`{"${firstKey}":"`), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]),
    ],
    ["empty body", ""],
    ["JSON null", "null"],
    ["JSON array", "[]"],
    ["1 MiB string", `"${"x".repeat(1024 * 1024)}"`],
  ];
  const contentTypes = [
    "application/json",
    "text/plain",
    "application/xml",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/json; charset=latin1",
  ];
  const bodies = fc
    .oneof(
      fc.record({ payload: fc.constantFrom(...payloads), type: fc.constantFrom(...contentTypes) }),
      fc.constantFrom(...multipartAbuse()),
    )
    .chain(({ payload, type }) =>
      fc.record({
        payload: fc.constant(payload),
        type: fc.constant(type),
        credentials: fc.constantFrom(...ctx.credentials),
      }),
    )
    .map(({ payload: [kind, payload], type, credentials }) =>
      printable({
        method: route.method,
        url: base,
        headers: { ...credentials, "content-type": type },
        payload,
        kind: `${kind} as ${type}`,
        onRoute: true,
      }),
    );
  const urls = fc
    .record({
      suffix: fc.constantFrom(
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e",
        "/é/日本",
        `/${"a".repeat(20_000)}`,
        "?x=%ff%fe",
        `?${"q=1&".repeat(2_000)}`,
      ),
      credentials: fc.constantFrom(...ctx.credentials),
    })
    .map(({ suffix, credentials }) =>
      printable({
        method: route.method,
        url: `${base}${suffix}`,
        headers: { ...credentials, "x-long": "h".repeat(16_000) },
        ...(route.method === "POST" ? { payload: json } : {}),
        kind: `url ${suffix.slice(0, 20)}, long header`,
        onRoute: suffix.startsWith("?"),
      }),
    );
  return route.method === "POST" ? fc.oneof(bodies, urls) : urls;
}

const BOUNDARY = "fuzzBoundary7MA4YWxkTrZu0gW";
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

/** Multipart forms that are malformed or hostile in ways a parser must survive (each with its own boundary). */
function multipartAbuse(): { payload: [string, string | Buffer]; type: string }[] {
  const part = (headers: string, body: string | Buffer) =>
    Buffer.concat([
      Buffer.from(`--${BOUNDARY}\r\n${headers}\r\n\r\n`),
      Buffer.from(body),
      Buffer.from("\r\n"),
    ]);
  const end = Buffer.from(`--${BOUNDARY}--\r\n`);
  const file = (name: string, filename: string, body: string | Buffer) =>
    part(
      `Content-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: application/pdf`,
      body,
    );
  const field = (name: string, value: string) =>
    part(`Content-Disposition: form-data; name="${name}"`, value);
  const forms: [string, Buffer, string?][] = [
    ["multipart, no closing boundary", file("file", "a.pdf", "%PDF-1.4 x")],
    [
      "multipart, 2,000 tiny fields",
      Buffer.concat([...Array.from({ length: 2_000 }, (_, i) => field(`f${i}`, "x")), end]),
    ],
    [
      "multipart, 12 MiB file",
      Buffer.concat([file("file", "big.pdf", Buffer.alloc(12 * 1024 * 1024, 0x41)), end]),
    ],
    [
      "multipart, three files",
      Buffer.concat([file("file", "a.pdf", "a"), file("file", "b.pdf", "b"), file("x", "c.pdf", "c"), end]),
    ],
    ["multipart, path in filename", Buffer.concat([file("file", "../../../etc/passwd", "x"), end])],
    ["multipart, CRLF in a part header", Buffer.concat([field('a"\r\nContent-Type: text/html', "x"), end])],
    ["multipart, 100 KiB field name", Buffer.concat([field("n".repeat(100 * 1024), "x"), end])],
    ["multipart, part without headers", Buffer.concat([Buffer.from(`--${BOUNDARY}\r\n\r\nx\r\n`), end])],
    [
      "multipart, other boundary in body",
      Buffer.from("--other\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--other--\r\n"),
    ],
    ["multipart, no boundary parameter", Buffer.concat([field("a", "x"), end]), "multipart/form-data"],
    ["multipart, empty", Buffer.alloc(0)],
  ];
  return forms.map(([kind, body, type]) => ({ payload: [kind, body], type: type ?? MULTIPART }));
}

/** Sends a fuzz request through inject() and asserts the one thing every answer owes: it is not a 5xx. */
export async function injectFuzz(
  app: { inject(options: object): Promise<LightMyRequestResponse> },
  req: FuzzRequest,
): Promise<{ res: LightMyRequestResponse; what: string }> {
  const res = await app.inject({
    method: req.method,
    url: req.url,
    headers: req.headers,
    ...(req.payload === undefined ? {} : { payload: req.payload }),
  });
  const what = `${summary(req)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
  expect(res.statusCode, `a caller's request is never our fault: ${what}`).toBeLessThan(500);
  return { res, what };
}
