import { createHash, randomUUID } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { v7 as uuidv7 } from "uuid";
import { sha256Hex } from "../platform/digest.ts";
import type { ReadStore, Row } from "../platform/readstore/port.ts";
import {
  createKeysTable,
  endKeyLease,
  forgetKeysSeenBefore,
  insertOrReadKey,
  renewKeyLease,
  type StoredResponse,
  storedResponseOf,
  storeKeyResponse,
  takeOverKey,
} from "./idempotency-keys-table.ts";

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

export type { StoredResponse };

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
  const leases = leaseRenewals(readStore, leaseMs, now);
  let table: Promise<void> | undefined;

  const claimed = (row: Row, owner: string): ClaimOutcome => {
    const claim = {
      scope: String(row.scope),
      key: String(row.idem_key),
      owner,
      firstSeenMs: Number(row.created_at),
    };
    leases.renew(claim);
    return { kind: "claimed", claim };
  };

  return {
    async claim(scope: string, key: string, fingerprint: string): Promise<ClaimOutcome> {
      table ??= createKeysTable(readStore);
      await table;
      const at = now();
      await forgetKeysSeenBefore(readStore, at - ttlMs);
      const owner = randomUUID();
      const row = await insertOrReadKey(readStore, { scope, key, fingerprint, owner }, at, at + leaseMs);
      if (row.owner === owner) return claimed(row, owner);
      if (row.fingerprint !== fingerprint) return { kind: "reused" };
      if (row.state === "done") return { kind: "done", response: storedResponseOf(row) };
      if (Number(row.lease_until) > at) return { kind: "in_progress" };
      // The holder stopped renewing: take over, unless a racing retry already did.
      const held = { scope, key, owner: String(row.owner) };
      const taken = await takeOverKey(readStore, held, owner, at, at + leaseMs);
      return taken ? claimed(taken, owner) : { kind: "in_progress" };
    },

    /** Stores the response for replays. A holder that lost its claim to a takeover stores nothing. */
    async complete(claim: Claim, response: StoredResponse): Promise<void> {
      leases.stop(claim);
      await storeKeyResponse(readStore, claim, response);
    },

    /**
     * A fault of ours (5xx): nothing is stored, and the claim is left for the next attempt to take over at
     * once. It keeps its first-seen time, so the retry derives the same ids as this attempt did.
     */
    async release(claim: Claim): Promise<void> {
      leases.stop(claim);
      await endKeyLease(readStore, claim);
    },

    /** Stops renewing without storing (the response went out some other way); the lease then runs out. */
    abandon: leases.stop,
  };
}

/** Keeps each claim alive while its request runs: its lease is pushed forward every third of the lease. */
function leaseRenewals(readStore: ReadStore, leaseMs: number, now: () => number) {
  const renewals = new Map<string, NodeJS.Timeout>();
  return {
    renew(claim: Claim): void {
      const timer = setInterval(
        () => {
          // A missed renewal only shortens the lease; the next one may succeed.
          renewKeyLease(readStore, claim, now() + leaseMs).catch(() => {});
        },
        Math.max(1, Math.floor(leaseMs / 3)),
      );
      timer.unref();
      renewals.set(claim.owner, timer);
    },
    stop(claim: Claim): void {
      clearInterval(renewals.get(claim.owner));
      renewals.delete(claim.owner);
    },
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

export const sha256 = sha256Hex;
