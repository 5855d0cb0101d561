import { createHash, randomUUID } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { v7 as uuidv7 } from "uuid";
import type { ReadStore, Row } from "../platform/readstore/port.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The Idempotency-Key this request holds, from the claim until its response is stored. */
    idempotency?: Claim;
  }
}

/** An Idempotency-Key as the IETF draft allows it: 1 to 255 visible ASCII characters. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** How long a claim outlives its holder's last renewal before another request may take it over. */
export const DEFAULT_LEASE_MS = 10_000;

/** A request's hold on its key, while it runs. */
export interface Claim {
  /** Whose keys these are (a hash of the caller's credentials): tenants never share keys. */
  readonly scope: string;
  readonly key: string;
  /** This attempt; a takeover after a crash is a new owner of the same claim. */
  readonly owner: string;
  /** When the key was first seen (ms since the epoch): the same for every attempt, so derived ids are too. */
  readonly firstSeenMs: number;
}

export interface StoredResponse {
  readonly statusCode: number;
  readonly contentType: string;
  readonly body: string;
}

export type ClaimOutcome =
  | { readonly kind: "claimed"; readonly claim: Claim }
  /** The key was first used for a different request. */
  | { readonly kind: "reused" }
  /** Another attempt holds the key and has renewed its lease recently: it is alive. */
  | { readonly kind: "in_progress" }
  | { readonly kind: "done"; readonly response: StoredResponse };

export interface ClaimStoreOptions {
  readonly readStore: ReadStore;
  /** How long a key and its response are kept; at least 24 h. */
  readonly ttlHours?: number;
  /** A claim not renewed for this long belongs to a holder that died (crash, kill -9): it may be taken over. */
  readonly leaseMs?: number;
  readonly now?: () => Date;
}

// Not a projection (nothing in the log to rebuild it from): a plain table beside the read models, made on
// first use. A row is `running` from the first request until its response is stored as `done`; while
// running, its holder pushes `lease_until` forward every third of the lease.
const TABLE = `CREATE TABLE IF NOT EXISTS idempotency_keys (
  scope TEXT NOT NULL, idem_key TEXT NOT NULL, fingerprint TEXT NOT NULL, owner TEXT NOT NULL,
  state TEXT NOT NULL, status_code BIGINT, content_type TEXT, body TEXT, created_at BIGINT NOT NULL,
  lease_until BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (scope, idem_key))`;

// Tables made before leases existed: a running row of theirs has lease 0, so the next retry takes it over.
const ADD_LEASE = "ALTER TABLE idempotency_keys ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0";

/**
 * Idempotency-Key claims, shared by every API that honours the header (its own answers for refusals).
 * One request at a time holds a key. A holder that dies leaves its claim `running`; once the lease has run
 * out, the next request with the same key and request takes the claim over (exactly one of several racing
 * ones does: a compare-and-set on the owner) and runs again, so the operation must be idempotent by ids
 * derived from the claim (`derivedId`).
 */
export function idempotencyClaims(options: ClaimStoreOptions) {
  const { readStore } = options;
  const ttlMs = Math.max(24, options.ttlHours ?? 24) * 3_600_000;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const now = () => (options.now ?? (() => new Date()))().getTime();
  const renewals = new Map<string, NodeJS.Timeout>();
  let ready: Promise<unknown> | undefined;

  const table = () => {
    ready ??= (async () => {
      await readStore.query(TABLE);
      const hasLease = await readStore.query("SELECT lease_until FROM idempotency_keys WHERE 1 = 0").then(
        () => true,
        () => false,
      );
      // Two processes may both find the column missing; the loser's ALTER fails and the column is there.
      if (!hasLease)
        await readStore
          .query(ADD_LEASE)
          .catch(() => readStore.query("SELECT lease_until FROM idempotency_keys WHERE 1 = 0"));
    })();
    return ready;
  };

  const renew = (claim: Claim) => {
    const timer = setInterval(
      () => {
        readStore
          .query(
            `UPDATE idempotency_keys SET lease_until = ?
            WHERE scope = ? AND idem_key = ? AND owner = ? AND state = 'running'`,
            [now() + leaseMs, claim.scope, claim.key, claim.owner],
          )
          // A missed renewal only shortens the lease; the next one may succeed.
          .catch(() => {});
      },
      Math.max(1, Math.floor(leaseMs / 3)),
    );
    timer.unref();
    renewals.set(claim.owner, timer);
  };

  const stopRenewing = (claim: Claim) => {
    clearInterval(renewals.get(claim.owner));
    renewals.delete(claim.owner);
  };

  const claimed = (row: Row, owner: string): ClaimOutcome => {
    const claim = {
      scope: String(row.scope),
      key: String(row.idem_key),
      owner,
      firstSeenMs: Number(row.created_at),
    };
    renew(claim);
    return { kind: "claimed", claim };
  };

  return {
    async claim(scope: string, key: string, fingerprint: string): Promise<ClaimOutcome> {
      await table();
      const at = now();
      await readStore.query("DELETE FROM idempotency_keys WHERE created_at < ?", [at - ttlMs]);
      const owner = randomUUID();
      await readStore.query(
        `INSERT INTO idempotency_keys (scope, idem_key, fingerprint, owner, state, created_at, lease_until)
         VALUES (?, ?, ?, ?, 'running', ?, ?) ON CONFLICT (scope, idem_key) DO NOTHING`,
        [scope, key, fingerprint, owner, at, at + leaseMs],
      );
      const [row] = await readStore.query("SELECT * FROM idempotency_keys WHERE scope = ? AND idem_key = ?", [
        scope,
        key,
      ]);
      if (!row) throw new Error("idempotency key vanished right after it was written");
      if (row.owner === owner) return claimed(row, owner);
      if (row.fingerprint !== fingerprint) return { kind: "reused" };
      if (row.state === "done") {
        return {
          kind: "done",
          response: {
            statusCode: Number(row.status_code),
            contentType: String(row.content_type),
            body: String(row.body),
          },
        };
      }
      if (Number(row.lease_until) > at) return { kind: "in_progress" };
      // The holder stopped renewing: take over, unless a racing retry already did.
      const [taken] = await readStore.query(
        `UPDATE idempotency_keys SET owner = ?, lease_until = ?
          WHERE scope = ? AND idem_key = ? AND owner = ? AND state = 'running' AND lease_until <= ?
          RETURNING scope, idem_key, created_at`,
        [owner, at + leaseMs, scope, key, String(row.owner), at],
      );
      return taken ? claimed(taken, owner) : { kind: "in_progress" };
    },

    /** Stores the response for replays. A holder that lost its claim to a takeover stores nothing. */
    async complete(claim: Claim, response: StoredResponse): Promise<void> {
      stopRenewing(claim);
      await readStore.query(
        `UPDATE idempotency_keys SET state = 'done', status_code = ?, content_type = ?, body = ?
         WHERE scope = ? AND idem_key = ? AND owner = ?`,
        [response.statusCode, response.contentType, response.body, claim.scope, claim.key, claim.owner],
      );
    },

    /**
     * A fault of ours (5xx): nothing is stored, and the claim is left for the next attempt to take over at
     * once. It keeps its first-seen time, so the retry derives the same ids as this attempt did.
     */
    async release(claim: Claim): Promise<void> {
      stopRenewing(claim);
      await readStore.query(
        `UPDATE idempotency_keys SET lease_until = 0
          WHERE scope = ? AND idem_key = ? AND owner = ? AND state = 'running'`,
        [claim.scope, claim.key, claim.owner],
      );
    },

    /** Stops renewing without storing (the response went out some other way); the lease then runs out. */
    abandon: stopRenewing,
  };
}

export type IdempotencyClaims = ReturnType<typeof idempotencyClaims>;

/**
 * The hooks that end a request's claim: on send, a 5xx releases it for a retry and anything else is stored
 * for replays; should a response go out without that, the claim is at least no longer renewed.
 */
export function claimSettlement(claims: IdempotencyClaims) {
  return {
    async onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
      const claim = request.idempotency;
      if (!claim) return payload;
      request.idempotency = undefined;
      if (reply.statusCode >= 500) {
        await claims.release(claim);
        return payload;
      }
      await claims.complete(claim, {
        statusCode: reply.statusCode,
        contentType: String(reply.getHeader("content-type") ?? "application/json"),
        body: typeof payload === "string" ? payload : JSON.stringify(payload ?? null),
      });
      return payload;
    },
    async onResponse(request: FastifyRequest): Promise<void> {
      if (request.idempotency) claims.abandon(request.idempotency);
    },
  };
}

/** A stored response, sent again as it was, marked `Idempotent-Replayed: true`. */
export function replay(reply: FastifyReply, response: StoredResponse): FastifyReply {
  return reply
    .code(response.statusCode)
    .header("content-type", response.contentType)
    .header("idempotent-replayed", "true")
    .send(response.body);
}

/** What makes two requests "the same": method, URL and the validated body (bigint amounts as digits). */
export function fingerprintOf(method: string, url: string, body: unknown): string {
  const canonical = JSON.stringify(body ?? null, (_key, value: unknown) =>
    typeof value === "bigint" ? value.toString() : value,
  );
  return sha256(`${method} ${url}\n${canonical}`);
}

/**
 * An id for something the claimed request creates, the same on every attempt: a UUIDv7 stamped with the
 * key's first-seen time whose other bits come from the scope, the key and `parts` (e.g. a merchant id).
 * Ids derived from one claim share the prefix `derivedIdPrefix(claim)`.
 */
export function derivedId(claim: Claim, ...parts: readonly string[]): string {
  const digest = createHash("sha256")
    .update([claim.scope, claim.key, ...parts].join("\n"))
    .digest();
  return uuidv7({ msecs: claim.firstSeenMs, random: digest.subarray(0, 16) });
}

/** The time part every `derivedId` of a claim starts with ("0192f3a4-5b6c"). */
export function derivedIdPrefix(claim: Claim): string {
  return derivedId(claim).slice(0, 13);
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
