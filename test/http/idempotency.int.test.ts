import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { idempotencyKeys } from "../../services/http/idempotency.ts";
import {
  derivedId,
  fingerprintOf,
  idempotencyClaims,
  sha256,
} from "../../services/http/idempotency-claims.ts";
import type { ReadStore } from "../../services/platform/readstore/port.ts";
import { PostgresReadStore } from "../../services/platform/readstore/postgres-read-store.ts";
import { SqliteReadStore } from "../../services/platform/readstore/sqlite-read-store.ts";
import { DATABASE_URL, uniqueSchema } from "../support/postgres.ts";

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

/** As the app factory does: the plugin documents the header and its problems as zod schemas. */
function zodApp(): FastifyInstance {
  const app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  return app;
}

// A claim whose holder died (kill -9 between the append and the reply) stays `running`. Its holder renews
// the lease while it works; once it stops, the next retry with the same request takes the claim over.
// The same rules on both read stores: the takeover is a compare-and-set on the owner.
const readStores: [string, () => Promise<{ store: ReadStore; dispose(): Promise<void> }>][] = [
  [
    "sqlite",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "ledger-lease-"));
      const store = new SqliteReadStore({ path: join(dir, "read.db") });
      return {
        store,
        dispose: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  ],
  [
    "postgres",
    async () => {
      const store = new PostgresReadStore({ connectionString: DATABASE_URL, schema: uniqueSchema("idem") });
      return {
        store,
        dispose: async () => {
          await store.dropSchema();
          await store.close();
        },
      };
    },
  ],
];

describe.each(readStores)("Idempotency-Key leases on %s", (_name, open) => {
  const LEASE_MS = 5_000;
  let readStore: ReadStore;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let clockMs: number;
  let executions: number;
  const now = () => new Date(clockMs);

  beforeEach(async () => {
    ({ store: readStore, dispose } = await open());
    clockMs = Date.parse("2026-11-27T10:00:00.000Z");
    executions = 0;
    app = zodApp();
    await app.register(idempotencyKeys, { readStore, leaseMs: LEASE_MS, now });
    app.post("/v1/payouts", { config: { idempotent: true } }, async (_request, reply) => {
      executions++;
      // A little work, so that racing requests overlap.
      await new Promise((resolve) => setTimeout(resolve, 20));
      return reply.code(201).send({ payout: executions });
    });
  });

  afterEach(async () => {
    await app.close();
    await dispose();
  });

  const BODY = { amount: 1 };
  const post = (key = "k-1", body: object = BODY) =>
    app.inject({
      method: "POST",
      url: "/v1/payouts",
      payload: body,
      headers: { authorization: "Bearer a", "idempotency-key": key },
    });

  /** What a process that died right after claiming leaves behind: a running claim nobody renews. */
  async function crashedHolder(key = "k-1"): Promise<void> {
    const claims = idempotencyClaims({ readStore, leaseMs: LEASE_MS, now });
    const outcome = await claims.claim(sha256("Bearer a"), key, fingerprintOf("POST", "/v1/payouts", BODY));
    expect(outcome.kind).toBe("claimed");
    if (outcome.kind === "claimed") claims.abandon(outcome.claim);
  }

  it("within the lease the same key is still 409, and nothing runs", async () => {
    await crashedHolder();
    clockMs += LEASE_MS - 1;
    const res = await post();
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: "idempotency_request_in_progress" });
    expect(executions).toBe(0);
  });

  it("after the lease the retry takes the claim over, runs, and its answer is stored for replays", async () => {
    await crashedHolder();
    clockMs += LEASE_MS;
    const taken = await post();
    expect(taken.statusCode).toBe(201);
    expect(taken.headers["idempotent-replayed"]).toBeUndefined();
    const again = await post();
    expect(again.body).toBe(taken.body);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(executions).toBe(1);
  });

  it("after the lease a different body with the key is still 422", async () => {
    await crashedHolder();
    clockMs += LEASE_MS;
    expect((await post("k-1", { amount: 2 })).statusCode).toBe(422);
    expect(executions).toBe(0);
  });

  it("of several retries racing for an expired claim exactly one runs; the others are 409", async () => {
    await crashedHolder();
    clockMs += LEASE_MS;
    const replies = await Promise.all([post(), post(), post(), post(), post()]);
    expect(replies.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(executions).toBe(1);
  });

  it("a running claim in a table made before leases existed is taken over by the next retry", async () => {
    await readStore.query(`CREATE TABLE idempotency_keys (
      scope TEXT NOT NULL, idem_key TEXT NOT NULL, fingerprint TEXT NOT NULL, owner TEXT NOT NULL,
      state TEXT NOT NULL, status_code BIGINT, content_type TEXT, body TEXT, created_at BIGINT NOT NULL,
      PRIMARY KEY (scope, idem_key))`);
    await readStore.query(
      `INSERT INTO idempotency_keys (scope, idem_key, fingerprint, owner, state, created_at)
       VALUES (?, 'k-1', ?, 'dead-owner', 'running', ?)`,
      [sha256("Bearer a"), fingerprintOf("POST", "/v1/payouts", BODY), clockMs],
    );
    expect((await post()).statusCode).toBe(201);
    expect(executions).toBe(1);
  });

  it("a takeover keeps the key's first-seen time, so ids derived from the claim are the same", async () => {
    const claims = idempotencyClaims({ readStore, leaseMs: LEASE_MS, now });
    const fingerprint = fingerprintOf("POST", "/v1/payouts", BODY);
    const first = await claims.claim("scope", "k-9", fingerprint);
    if (first.kind !== "claimed") throw new Error(`expected a claim, got ${first.kind}`);
    claims.abandon(first.claim);
    clockMs += LEASE_MS;
    const second = await claims.claim("scope", "k-9", fingerprint);
    if (second.kind !== "claimed") throw new Error(`expected a takeover, got ${second.kind}`);
    claims.abandon(second.claim);
    expect(second.claim.owner).not.toBe(first.claim.owner);
    expect(derivedId(second.claim, "m-1")).toBe(derivedId(first.claim, "m-1"));
  });
});

describe("a request that outlives the lease keeps its key", () => {
  it("renews the lease while it runs, so a retry meanwhile is 409, not a second execution", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ledger-renew-"));
    const readStore = new SqliteReadStore({ path: join(dir, "read.db") });
    const app = zodApp();
    let executions = 0;
    await app.register(idempotencyKeys, { readStore, leaseMs: 150 });
    app.post("/v1/slow", { config: { idempotent: true } }, async () => {
      executions++;
      await new Promise((resolve) => setTimeout(resolve, 600));
      return { ok: true };
    });
    const post = () =>
      app.inject({ method: "POST", url: "/v1/slow", payload: {}, headers: { "idempotency-key": "slow-1" } });
    const first = post();
    await new Promise((resolve) => setTimeout(resolve, 400));
    const second = await post();
    expect(second.statusCode).toBe(409);
    expect((await first).statusCode).toBe(200);
    expect(executions).toBe(1);
    await app.close();
    await readStore.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
