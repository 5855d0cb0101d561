import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { idempotencyKeys } from "../../services/http/idempotency.ts";
import { SqliteReadStore } from "../../services/platform/readstore/sqlite-read-store.ts";

describe("Idempotency-Key on money-moving POSTs", () => {
  let dir: string;
  let readStore: SqliteReadStore;
  let app: FastifyInstance;
  let executions = 0;
  let release: (() => void) | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "ledger-idem-"));
    readStore = new SqliteReadStore({ path: join(dir, "read.db") });
    executions = 0;
    app = Fastify();
    // As the app factory does: the plugin documents the header and its problems as zod schemas.
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    await app.register(idempotencyKeys, { readStore });
    app.post("/v1/payouts", { config: { idempotent: true } }, async (request, reply) => {
      executions++;
      if (release === undefined && (request.body as { hold?: boolean }).hold) {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      }
      if ((request.body as { explode?: boolean }).explode) return reply.code(503).send({ error: "down" });
      return reply.code(201).send({ payout: executions });
    });
    app.post("/v1/plain", async () => ({ ok: true }));
  });

  afterEach(async () => {
    await app.close();
    await readStore.close();
    rmSync(dir, { recursive: true, force: true });
    release = undefined;
  });

  const post = (body: unknown, key?: string, auth = "Bearer a") =>
    app.inject({
      method: "POST",
      url: "/v1/payouts",
      payload: body as object,
      headers: { authorization: auth, ...(key === undefined ? {} : { "idempotency-key": key }) },
    });

  it("a missing key is 400 with a problem naming the header, and nothing runs", async () => {
    const res = await post({ amount: 1 });
    expect(res.statusCode).toBe(400);
    expect(res.headers["content-type"]).toContain("application/problem+json");
    expect(res.json()).toMatchObject({ code: "idempotency_key_required", param: "Idempotency-Key" });
    expect(executions).toBe(0);
  });

  it("afterwards, the same key replays the stored status and body without running again", async () => {
    const first = await post({ amount: 1 }, "k-1");
    const again = await post({ amount: 1 }, "k-1");
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.body).toBe(first.body);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(executions).toBe(1);
  });

  it("the same key with a different body is 422", async () => {
    await post({ amount: 1 }, "k-1");
    const res = await post({ amount: 2 }, "k-1");
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: "idempotency_key_reused" });
    expect(executions).toBe(1);
  });

  it("the same key while the first request still runs is 409", async () => {
    const first = post({ hold: true }, "k-1");
    while (!release) await new Promise((r) => setTimeout(r, 5));
    const second = await post({ hold: true }, "k-1");
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ code: "idempotency_request_in_progress" });
    release();
    expect((await first).statusCode).toBe(201);
    expect(executions).toBe(1);
  });

  it("a 5xx is not stored, so a retry runs again", async () => {
    expect((await post({ explode: true }, "k-1")).statusCode).toBe(503);
    expect((await post({ explode: true }, "k-1")).statusCode).toBe(503);
    expect(executions).toBe(2);
  });

  it("keys are scoped to the caller's credentials", async () => {
    await post({ amount: 1 }, "k-1", "Bearer a");
    const other = await post({ amount: 1 }, "k-1", "Bearer b");
    expect(other.headers["idempotent-replayed"]).toBeUndefined();
    expect(executions).toBe(2);
  });

  it("routes not marked idempotent need no key", async () => {
    expect((await app.inject({ method: "POST", url: "/v1/plain", payload: {} })).statusCode).toBe(200);
  });
});
