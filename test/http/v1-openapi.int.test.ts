import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { V1_ERROR_CODES, V1_ERRORS, type V1ErrorCode } from "../../services/http/v1-errors.ts";
import {
  ADMIN_KEY,
  FINANCE_KEY,
  type FinanceHarness,
  OPERATOR_KEY,
  startFinanceHarness,
} from "../finance/harness.ts";
import { bearer } from "../support/http.ts";

// The OpenAPI document of the composed service, walked operation by operation under /v1: each one documents
// every status and code it can answer as problems of the catalogue, and its answers to bad requests (no key,
// the wrong role, bad parameters, bodies Fastify cannot parse, no Idempotency-Key) are all documented.

interface Schema {
  readonly anyOf?: readonly Schema[];
  readonly properties?: Record<string, { readonly enum?: readonly unknown[] }>;
  readonly required?: readonly string[];
}
interface Operation {
  readonly security?: readonly Record<string, readonly string[]>[];
  readonly parameters?: readonly { readonly in: string; readonly name: string }[];
  readonly requestBody?: unknown;
  readonly responses: Record<string, { readonly content?: Record<string, { readonly schema: Schema }> }>;
}
interface Document {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: { readonly schemas: Record<string, { readonly enum?: readonly string[] }> };
}
interface V1Operation {
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly op: Operation;
  readonly name: string;
}

const PROBLEM = "application/problem+json";

let h: FinanceHarness;
let doc: Document;
let operations: V1Operation[];

beforeAll(async () => {
  // Every operation is asked with an unknown key, all from one address: past the auth-failure limit they
  // would be answered 429 (test/security/auth-failures.int.test.ts covers that) instead of what is tested here.
  h = await startFinanceHarness({ AUTH_FAILURE_LIMIT: "1000000" });
  doc = (await h.service.app.inject({ method: "GET", url: "/docs/json" })).json();
  operations = Object.entries(doc.paths)
    .filter(([path]) => path.startsWith("/v1/"))
    .flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => {
        const upper = method.toUpperCase();
        if (upper !== "GET" && upper !== "POST") throw new Error(`unexpected ${upper} ${path}`);
        return { method: upper, path, op, name: `${upper} ${path}` } as const;
      }),
    );
});
afterAll(async () => {
  await h?.close();
});

/** Per error status, the codes the operation documents (every branch of its problem schema). */
function documented(op: Operation): Map<number, Set<string>> {
  const statuses = new Map<number, Set<string>>();
  for (const [status, response] of Object.entries(op.responses)) {
    if (Number(status) < 400) continue;
    const { schema } = response.content?.[PROBLEM] ?? {};
    const branches = schema?.anyOf ?? (schema ? [schema] : []);
    const codes = branches.flatMap((b) => (b.properties?.code?.enum ?? []).map(String));
    statuses.set(Number(status), new Set(codes));
  }
  return statuses;
}

const codesAt = (op: Operation, status: number) => [...(documented(op).get(status) ?? [])];
const hasInput = (op: Operation) => (op.parameters?.length ?? 0) > 0 || op.requestBody !== undefined;
const isIdempotent = (op: Operation) =>
  (op.parameters ?? []).some((p) => p.in === "header" && p.name === "idempotency-key");

describe("the /v1 operations in the OpenAPI document", () => {
  it("are the audit, finance, recon, payout, repayment, notification, partner, user-token, dealer and lender operations", () => {
    expect(operations.map((o) => o.name).sort()).toEqual([
      "GET /v1/audit/accounts/{account}",
      "GET /v1/audit/chain",
      "GET /v1/audit/streams/{streamId}",
      "GET /v1/buyers/{userId}",
      "GET /v1/credit-lines/{product}/{userId}/limit-history",
      "GET /v1/finance/accounts/{account}/statement",
      "GET /v1/finance/buyers/{userId}/loans",
      "GET /v1/finance/merchants/{merchantId}/settlement-statement",
      "GET /v1/finance/trial-balance",
      "GET /v1/merchants",
      "GET /v1/merchants/{merchantId}",
      "GET /v1/notifications/dead-letters",
      "GET /v1/notifications/{deliveryId}",
      "GET /v1/partners/{partnerId}",
      "GET /v1/partners/{partnerId}/disbursals/{disbursalId}",
      "GET /v1/partners/{partnerId}/users/{userId}",
      "GET /v1/recon/aging",
      "GET /v1/recon/bank-statements",
      "GET /v1/recon/bank-statements/{statementId}",
      "GET /v1/recon/days",
      "GET /v1/recon/days/{day}",
      "GET /v1/recon/payouts",
      "POST /v1/buyers",
      "POST /v1/buyers/{userId}/close",
      "POST /v1/buyers/{userId}/freeze",
      "POST /v1/buyers/{userId}/pin-link",
      "POST /v1/buyers/{userId}/unfreeze",
      "POST /v1/credit-lines/{product}/{userId}/limit",
      "POST /v1/merchants",
      "POST /v1/merchants/{merchantId}/dealers",
      "POST /v1/merchants/{merchantId}/push-signing",
      "POST /v1/merchants/{merchantId}/reactivate",
      "POST /v1/merchants/{merchantId}/server-key/rotate",
      "POST /v1/merchants/{merchantId}/suspend",
      "POST /v1/notifications/dead-letters/{deliveryId}/replay",
      "POST /v1/partners",
      "POST /v1/partners/{partnerId}/disbursals/{disbursalId}/moves",
      "POST /v1/partners/{partnerId}/suppliers/{supplierId}/verify",
      "POST /v1/partners/{partnerId}/users/{userId}/decision",
      "POST /v1/payouts/run",
      "POST /v1/recon/bank-statements",
      "POST /v1/recon/days/{day}/close",
      "POST /v1/repayments",
      "POST /v1/user-tokens/{userToken}/revoke",
    ]);
  });

  it("answer every error as a problem of the catalogue, at the status the catalogue gives its code", () => {
    for (const { name, op } of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        expect(Object.keys(response.content ?? {}), `${name} ${status}`).toEqual([PROBLEM]);
        const { schema } = response.content![PROBLEM]!;
        for (const branch of schema.anyOf ?? [schema]) {
          expect(branch.required, `${name} ${status}`).toEqual(
            expect.arrayContaining(["type", "title", "status", "detail", "code", "requestId"]),
          );
          expect(branch.properties?.status?.enum, `${name} ${status}`).toEqual([Number(status)]);
        }
        const codes = codesAt(op, Number(status));
        expect(codes.length, `${name} ${status}`).toBeGreaterThan(0);
        for (const code of codes) {
          expect(V1_ERROR_CODES, `${name} ${status}`).toContain(code);
          expect(V1_ERRORS[code as V1ErrorCode].status, `${name}: ${code}`).toBe(Number(status));
        }
      }
    }
  });

  it("need an API key: 401 without a known one, 403 without the role", () => {
    for (const { name, op } of operations) {
      expect(op.security, name).toEqual([{ apiKey: [] }]);
      expect(codesAt(op, 401).sort(), name).toEqual(["api_key_invalid", "api_key_missing"]);
      expect(codesAt(op, 403), name).toEqual(["role_required"]);
    }
  });

  it("document what the shared error handler answers: bad input, unparseable bodies, our faults", () => {
    for (const { name, method, op } of operations) {
      expect(codesAt(op, 500), name).toEqual(["internal_error"]);
      expect(codesAt(op, 503), name).toContain("temporarily_unavailable");
      if (hasInput(op)) expect(codesAt(op, 400), name).toContain("invalid_parameter");
      if (method === "POST") {
        expect(codesAt(op, 400), name).toContain("malformed_body");
        expect(codesAt(op, 413), name).toEqual(["body_too_large"]);
        expect(codesAt(op, 415), name).toEqual(["unsupported_media_type"]);
      }
    }
  });

  it("document the Idempotency-Key header and its answers on the money-moving POSTs", () => {
    const idempotent = operations.filter((o) => isIdempotent(o.op));
    expect(idempotent.map((o) => o.name).sort()).toEqual(["POST /v1/payouts/run", "POST /v1/repayments"]);
    for (const { name, op } of idempotent) {
      expect(codesAt(op, 400), name).toEqual(
        expect.arrayContaining(["idempotency_key_required", "idempotency_key_invalid"]),
      );
      expect(codesAt(op, 409), name).toContain("idempotency_request_in_progress");
      expect(codesAt(op, 422), name).toEqual(["idempotency_key_reused"]);
    }
  });

  it("enumerate the whole catalogue as V1ErrorCode, and each code is some operation's answer", () => {
    // route_not_found answers a path no operation has (services/http/outside-routes.ts).
    const outsideOperations = ["route_not_found"];
    expect(doc.components.schemas.V1ErrorCode?.enum).toEqual(V1_ERROR_CODES);
    const answered = new Set(
      operations.flatMap(({ op }) => [...documented(op).values()].flatMap((s) => [...s])),
    );
    expect(V1_ERROR_CODES.filter((code) => !answered.has(code))).toEqual(outsideOperations);
  });
});

describe("the answers of /v1 operations to bad requests", () => {
  interface Attempt {
    readonly path?: string;
    readonly query?: Record<string, string>;
    readonly headers?: Record<string, string>;
    readonly payload?: string;
  }

  const fill = (path: string, value: string) => path.replace(/\{[^}]+\}/g, encodeURIComponent(value));

  /** Sends the attempt and checks the answer is a problem the operation documents; returns its code. */
  async function answer(operation: V1Operation, attempt: Attempt): Promise<string | undefined> {
    const res = await h.service.app.inject({
      method: operation.method,
      url: attempt.path ?? fill(operation.path, "nobody"),
      query: attempt.query,
      headers: attempt.headers,
      ...(attempt.payload === undefined ? {} : { payload: attempt.payload }),
    });
    const what = `${operation.name} ${JSON.stringify({ ...attempt, payload: attempt.payload?.slice(0, 40) })}`;
    if (res.statusCode < 400) return undefined;
    expect(res.statusCode, `${what}: a caller's mistake is never our fault`).toBeLessThan(500);
    expect(res.headers["content-type"], what).toContain(PROBLEM);
    const body = res.json();
    expect(body, what).toMatchObject({ status: res.statusCode, requestId: res.headers["request-id"] });
    expect([...(documented(operation.op).get(res.statusCode) ?? [])], `${what}: ${res.body}`).toContain(
      body.code,
    );
    return body.code;
  }

  it("are each a problem the operation documents, for every kind of bad request", async () => {
    const seen = new Set<string>();
    const note = (code: string | undefined) => code && seen.add(code);
    for (const operation of operations) {
      const { op, path, method } = operation;
      note(await answer(operation, {}));
      note(await answer(operation, { headers: bearer("not-a-key-0123456789") }));
      // Each operation needs one of the three roles: the keys without it are refused, the one with it let in.
      const answers = [];
      for (const key of [FINANCE_KEY, OPERATOR_KEY, ADMIN_KEY]) {
        const code = await answer(operation, { headers: bearer(key) });
        note(code);
        answers.push({ key, code });
      }
      const refused = answers.filter((a) => a.code === "role_required");
      expect(refused, operation.name).toHaveLength(2);
      const authorised = bearer(answers.find((a) => a.code !== "role_required")!.key);

      if (path.includes("{")) {
        const empty = await answer(operation, { path: fill(path, ""), headers: authorised });
        expect(empty, operation.name).toBe("invalid_parameter");
        note(await answer(operation, { path: fill(path, "not an id!"), headers: authorised }));
      }
      for (const query of (op.parameters ?? []).filter((p) => p.in === "query")) {
        const code = await answer(operation, { query: { [query.name]: "!" }, headers: authorised });
        expect(code, `${operation.name}?${query.name}=!`).toBe("invalid_parameter");
      }
      if (method === "POST") {
        const json = { ...authorised, "content-type": "application/json" };
        note(await answer(operation, { headers: json, payload: "{not json" }));
        note(await answer(operation, { headers: json, payload: `"${"x".repeat(1024 * 1024)}"` }));
        note(
          await answer(operation, {
            headers: { ...authorised, "content-type": "application/xml" },
            payload: "<a/>",
          }),
        );
      }
      if (isIdempotent(op)) {
        // An empty object is a whole payout run's body (and not a repayment's): the key is looked at next.
        const json = { ...authorised, "content-type": "application/json" };
        note(await answer(operation, { headers: json, payload: "{}" }));
        note(
          await answer(operation, {
            headers: { ...json, "idempotency-key": "not a valid key" },
            payload: "{}",
          }),
        );
      }
    }
    expect([...seen].sort()).toEqual(
      expect.arrayContaining([
        "api_key_invalid",
        "api_key_missing",
        "body_too_large",
        "delivery_not_found",
        "idempotency_key_invalid",
        "idempotency_key_required",
        "invalid_parameter",
        "malformed_body",
        "role_required",
        "unsupported_media_type",
      ]),
    );
  });
});
