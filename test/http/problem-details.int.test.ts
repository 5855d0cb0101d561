import type { FastifyInstance } from "fastify";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { PATH_PARAM_MAX_CHARS } from "../../contracts/bounds.ts";
import { V1_BODY_LIMIT_BYTES } from "../../contracts/v1/bounds.ts";
import { apiKeys } from "../../services/http/api-keys.ts";
import { type App, buildApp, type HttpMount } from "../../services/http/app.ts";
import { sendProblem, useProblemErrors } from "../../services/http/problem-details.ts";
import { V1_ERRORS } from "../../services/http/v1-errors.ts";
import { ReadStoreUnavailable } from "../../services/platform/readstore/port.ts";
import { alwaysReady, bearer } from "../support/http.ts";

// The problem plumbing on the real app factory: a route answers only the codes it declares (the serializer
// refuses any other), declarations from the shared plugins and the route meet in one schema per status
// whatever the order, and the error handler turns failures into catalogued problems.

const KEY = "problem-test-key-0123456789";

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(mount: HttpMount, lines: string[] = []) {
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(line) });
  app = await buildApp({
    logger,
    readiness: alwaysReady,
    mounts: [async (root) => root.register(mount, { prefix: "/v1" })],
  });
  return app;
}

const get = (url: string) => app!.inject({ method: "GET", url, headers: bearer(KEY) });

describe("a /v1 route's problems", () => {
  it("are only the codes it declares: another one is refused on the way out, as our fault", async () => {
    const lines: string[] = [];
    await start(async (v1: FastifyInstance) => {
      useProblemErrors(v1, "test");
      v1.get("/declared", { config: { problems: ["account_not_found"] } }, (request, reply) =>
        sendProblem(request, reply, "account_not_found", { param: "account" }),
      );
      v1.get("/undeclared", { config: { problems: ["account_not_found"] } }, (request, reply) =>
        sendProblem(request, reply, "merchant_not_found"),
      );
    }, lines);

    const declared = await get("/v1/declared");
    expect(declared.statusCode).toBe(404);
    expect(declared.headers["content-type"]).toContain("application/problem+json");
    expect(declared.json()).toEqual({
      type: "/problems/account_not_found",
      title: "Not Found",
      status: 404,
      detail: V1_ERRORS.account_not_found.fix,
      code: "account_not_found",
      param: "account",
      requestId: declared.headers["request-id"],
    });

    const undeclared = await get("/v1/undeclared");
    expect(undeclared.statusCode).toBe(500);
    expect(undeclared.json()).toMatchObject({
      code: "internal_error",
      requestId: undeclared.headers["request-id"],
    });
    const logged = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "test route failed");
    expect(logged).toMatchObject({ reqId: undeclared.headers["request-id"] });
  });

  it("carry the extension members declared with their code", async () => {
    await start(async (v1: FastifyInstance) => {
      useProblemErrors(v1, "test");
      const extension = { outstanding: z.string() };
      v1.get(
        "/owed",
        {
          config: {
            problems: [{ code: "repayment_must_not_exceed_outstanding", extension }, "delivery_not_dead"],
          },
        },
        (request, reply) =>
          sendProblem(request, reply, "repayment_must_not_exceed_outstanding", {
            detail: "too much",
            extensions: { outstanding: "1000" },
          }),
      );
    });
    const res = await get("/v1/owed");
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: "repayment_must_not_exceed_outstanding", outstanding: "1000" });
    const doc = (await app!.inject({ method: "GET", url: "/docs/json" })).json();
    const conflict = doc.paths["/v1/owed"].get.responses["409"].content["application/problem+json"].schema;
    expect(
      conflict.anyOf.map((b: { properties: { code: { enum: string[] } } }) => b.properties.code.enum),
    ).toEqual([["repayment_must_not_exceed_outstanding"], ["delivery_not_dead"]]);
    expect(conflict.anyOf[0].required).toContain("outstanding");
  });

  it("meet the shared plugins' in one schema per status, whichever registers first", async () => {
    await start(async (v1: FastifyInstance) => {
      useProblemErrors(v1, "test");
      await v1.register(apiKeys, { apiKeys: [{ key: KEY, roles: ["finance"] }] });
      v1.get(
        "/statement/:account",
        {
          preHandler: v1.requireRole("finance"),
          config: { problems: ["account_not_found"] },
          schema: { params: z.object({ account: z.string().min(2) }) },
        },
        (request, reply) => sendProblem(request, reply, "account_not_found"),
      );
    });
    const doc = (await app!.inject({ method: "GET", url: "/docs/json" })).json();
    const { responses, security } = doc.paths["/v1/statement/{account}"].get;
    const codes = (status: string) =>
      responses[status].content["application/problem+json"].schema.properties.code.enum;
    expect(Object.keys(responses).sort()).toEqual(["400", "401", "403", "404", "429", "500", "503"]);
    expect(codes("401")).toEqual(["api_key_missing", "api_key_invalid"]);
    expect(codes("404")).toEqual(["account_not_found"]);
    expect(security).toEqual([{ apiKey: [] }]);
    expect((await get("/v1/statement/x")).json()).toMatchObject({
      code: "invalid_parameter",
      param: "account",
    });
    expect((await get("/v1/statement/xy")).json()).toMatchObject({ code: "account_not_found" });
  });

  it("are declared, not written as a response schema of a problem status", async () => {
    await expect(
      start(async (v1: FastifyInstance) => {
        useProblemErrors(v1, "test");
        v1.get(
          "/own",
          { config: { problems: ["account_not_found"] }, schema: { response: { 404: z.object({}) } } },
          async () => ({}),
        );
      }),
    ).rejects.toThrow("GET /v1/own: declare its 404 answers as config.problems, not as a response schema");
  });
});

describe("the /v1 error handler", () => {
  it("answers a store out of reach with 503 temporarily_unavailable, and says to retry", async () => {
    await start(async (v1: FastifyInstance) => {
      useProblemErrors(v1, "test");
      v1.get("/down", async () => {
        throw new ReadStoreUnavailable("read store down", { cause: new Error("ECONNREFUSED") });
      });
    });
    const res = await get("/v1/down");
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      code: "temporarily_unavailable",
      title: "Service Unavailable",
      detail: V1_ERRORS.temporarily_unavailable.fix,
    });
  });

  it.each([
    ["a body that is not JSON", "application/json", "{nope", 400, "malformed_body"],
    ["an empty JSON body", "application/json", "", 400, "malformed_body"],
    ["a body over 64 KiB", "application/json", `"${"x".repeat(V1_BODY_LIMIT_BYTES)}"`, 413, "body_too_large"],
    ["a body of another media type", "application/xml", "<a/>", 415, "unsupported_media_type"],
  ])("answers %s with %i %s, saying what to send", async (_, contentType, payload, status, code) => {
    await start(async (v1: FastifyInstance) => {
      useProblemErrors(v1, "test");
      v1.post("/echo", async (request) => ({ got: request.body }));
    });
    const res = await app!.inject({
      method: "POST",
      url: "/v1/echo",
      headers: { "content-type": contentType },
      payload,
    });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ status, code });
    expect(res.json().detail).toContain(V1_ERRORS[code as keyof typeof V1_ERRORS].fix);
  });
});

describe("a /v1 request no route answers", () => {
  const mount = async (v1: FastifyInstance) => {
    useProblemErrors(v1, "test");
    v1.get("/things/:thingId", async (request) => ({ got: request.params }));
  };

  it("is a route_not_found problem for a path no route has, naming the method and path", async () => {
    await start(mount);
    const res = await app!.inject({ method: "DELETE", url: "/v1/things?x=1" });
    expect(res.statusCode).toBe(404);
    expect(res.headers["content-type"]).toContain("application/problem+json");
    expect(res.json()).toMatchObject({ status: 404, code: "route_not_found" });
    expect(res.json().detail).toContain("DELETE /v1/things.");
  });

  it.each([
    ["a path parameter over the bound", `/v1/things/${"a".repeat(PATH_PARAM_MAX_CHARS + 1)}`],
    ["a path parameter that is broken percent-encoding", "/v1/things/%E0%A4%A"],
  ])("is an invalid_parameter problem for %s, not the router's own body", async (_, url) => {
    await start(mount);
    const res = await app!.inject({ method: "GET", url });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ status: 400, code: "invalid_parameter" });
  });

  it("routes a path parameter at the bound to its route", async () => {
    await start(mount);
    const thingId = "a".repeat(PATH_PARAM_MAX_CHARS);
    const res = await app!.inject({ method: "GET", url: `/v1/things/${thingId}` });
    expect(res.json()).toEqual({ got: { thingId } });
  });

  it("outside any prefix that answers for itself, is a plain 404 naming the route", async () => {
    await start(mount);
    const res = await app!.inject({ method: "GET", url: "/nowhere" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: "route_not_found" });
  });
});
