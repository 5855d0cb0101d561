import { createHash, randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply, RouteOptions } from "fastify";
import fp from "fastify-plugin";
import { z } from "zod";
import type { ReadStore } from "../platform/readstore/port.ts";
import { declareProblems, sendProblem } from "./problem-details.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** A money-moving POST that takes an Idempotency-Key header (DESIGN.md "HTTP"). */
    idempotent?: boolean;
  }
  interface FastifyRequest {
    idempotency?: { scope: string; key: string; owner: string };
  }
}

export interface IdempotencyOptions {
  readonly readStore: ReadStore;
  /** How long a key and its response are kept; at least 24 h. */
  readonly ttlHours?: number;
  readonly now?: () => Date;
}

const KEY = /^[\x21-\x7e]{1,255}$/;

// Not a projection (nothing in the log to rebuild it from): a plain table beside the read models, made on
// first use. A row is `running` from the first request until its response is stored as `done`.
const TABLE = `CREATE TABLE IF NOT EXISTS idempotency_keys (
  scope TEXT NOT NULL, idem_key TEXT NOT NULL, fingerprint TEXT NOT NULL, owner TEXT NOT NULL,
  state TEXT NOT NULL, status_code BIGINT, content_type TEXT, body TEXT, created_at BIGINT NOT NULL,
  PRIMARY KEY (scope, idem_key))`;

/**
 * The IETF Idempotency-Key draft for routes marked `config: { idempotent: true }`: a missing key is 400; the
 * same key with a different request is 422; the same key while the first request still runs is 409; after
 * it, the stored status and body are replayed (with `Idempotent-Replayed: true`). A 5xx is not stored, so
 * the client may retry it. Keys are scoped to the caller's credentials, so tenants never share keys.
 */
export const idempotencyKeys = fp(
  async (app: FastifyInstance, options: IdempotencyOptions) => {
    const { readStore } = options;
    const ttlMs = Math.max(24, options.ttlHours ?? 24) * 3_600_000;
    const now = options.now ?? (() => new Date());
    let ready: Promise<unknown> | undefined;
    const table = () => {
      ready ??= readStore.query(TABLE);
      return ready;
    };

    app.addHook("onRoute", (route) => {
      if (route.config?.idempotent) documentIdempotencyKey(route);
    });

    app.addHook("preHandler", async (request, reply) => {
      if (!request.routeOptions.config.idempotent) return;
      const key = request.headers["idempotency-key"];
      if (typeof key !== "string" || !KEY.test(key)) {
        return sendProblem(
          request,
          reply,
          key === undefined ? "idempotency_key_required" : "idempotency_key_invalid",
          {
            param: "Idempotency-Key",
          },
        );
      }
      await table();
      const scope = sha256(`${request.headers.authorization ?? ""}`);
      const fingerprint = sha256(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`);
      const at = now().getTime();
      await readStore.query("DELETE FROM idempotency_keys WHERE created_at < ?", [at - ttlMs]);
      const owner = randomUUID();
      await readStore.query(
        `INSERT INTO idempotency_keys (scope, idem_key, fingerprint, owner, state, created_at)
         VALUES (?, ?, ?, ?, 'running', ?) ON CONFLICT (scope, idem_key) DO NOTHING`,
        [scope, key, fingerprint, owner, at],
      );
      const [row] = await readStore.query("SELECT * FROM idempotency_keys WHERE scope = ? AND idem_key = ?", [
        scope,
        key,
      ]);
      if (!row) throw new Error("idempotency key vanished right after it was written");
      if (row.owner === owner) {
        request.idempotency = { scope, key, owner };
        return;
      }
      if (row.fingerprint !== fingerprint) {
        return sendProblem(request, reply, "idempotency_key_reused", {
          detail: "this Idempotency-Key was used for a different request; use a new key for a new request",
          param: "Idempotency-Key",
        });
      }
      if (row.state === "running") {
        return sendProblem(request, reply, "idempotency_request_in_progress", {
          detail: "the first request with this Idempotency-Key is still being processed; retry later",
          param: "Idempotency-Key",
        });
      }
      return replay(reply, row);
    });

    app.addHook("onSend", async (request, reply, payload) => {
      const claim = request.idempotency;
      if (!claim) return payload;
      request.idempotency = undefined;
      if (reply.statusCode >= 500) {
        await readStore.query("DELETE FROM idempotency_keys WHERE scope = ? AND idem_key = ? AND owner = ?", [
          claim.scope,
          claim.key,
          claim.owner,
        ]);
        return payload;
      }
      await readStore.query(
        `UPDATE idempotency_keys SET state = 'done', status_code = ?, content_type = ?, body = ?
         WHERE scope = ? AND idem_key = ? AND owner = ?`,
        [
          reply.statusCode,
          String(reply.getHeader("content-type") ?? "application/json"),
          typeof payload === "string" ? payload : JSON.stringify(payload ?? null),
          claim.scope,
          claim.key,
          claim.owner,
        ],
      );
      return payload;
    });
  },
  { name: "idempotency-keys" },
);

/** An idempotent route lists the header and what the preHandler below answers about it. */
function documentIdempotencyKey(route: RouteOptions): void {
  declareProblems(route, [
    "idempotency_key_required",
    "idempotency_key_invalid",
    "idempotency_key_reused",
    "idempotency_request_in_progress",
  ]);
  const header = {
    "idempotency-key": z
      .string()
      .optional()
      .describe(
        "required by this operation (400 idempotency_key_required without it): 1 to 255 visible ASCII " +
          "characters, e.g. a UUID, new for each new request",
      ),
  };
  route.schema ??= {};
  const { headers } = route.schema;
  if (headers !== undefined && !(headers instanceof z.ZodObject)) {
    throw new Error(`${route.method} ${route.url}: idempotent routes declare their headers as a zod object`);
  }
  route.schema.headers = headers ? headers.extend(header) : z.looseObject(header);
}

function replay(reply: FastifyReply, row: Record<string, unknown>): FastifyReply {
  return reply
    .code(Number(row.status_code))
    .header("content-type", String(row.content_type))
    .header("idempotent-replayed", "true")
    .send(String(row.body));
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
