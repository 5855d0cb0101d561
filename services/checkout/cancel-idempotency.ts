import type { FastifyReply, FastifyRequest } from "fastify";
import type { CancelRequest } from "../../contracts/checkout/cancel.ts";
import { checkoutError } from "../../contracts/checkout/errors.ts";
import {
  claimSettlement,
  derivedId,
  fingerprintOf,
  IDEMPOTENCY_KEY,
  type IdempotencyClaims,
  replay,
  sha256,
} from "../http/idempotency-claims.ts";

// Our extension to the seed's "Cancel Transaction": an optional Idempotency-Key header. The seed gives a
// partial cancellation no key of its own (each accepted request is a new one), so a merchant that retries
// after a lost reply could cancel twice. With the header, the cancellation id is derived from the key, so a
// retry appends nothing and answers what the first request answered. Without it, nothing changes.
//
//   header malformed                                       1002  200  Idempotency-Key: <how to fix>
//   key already used for a different cancellation          1002  200  (the seed's code for a reused
//                                                                      idempotency key: a duplicate order_id)
//   first request with the key still running               9999  503  Retry-After: the lease in seconds
//                                                                      (the seed's "try again in a few
//                                                                      minutes", as for a store out of reach)
//   first request answered                                 its answer again, Idempotent-Replayed: true
//
// Keys are the merchant's (scoped by server_key); answers are kept 24 h. A 9999 is never stored, so it may
// be retried with the same key. A first request that died with its process is taken over by a retry once
// its lease has run out (IDEMPOTENCY_LEASE_MS).

export function cancelIdempotency(claims: IdempotencyClaims, leaseMs: number) {
  const refuse = (reply: FastifyReply, code: 1002 | 9999, detail: string) => {
    const { httpStatus, body } = checkoutError(code, `Idempotency-Key: ${detail}`);
    return reply.code(code === 9999 ? 503 : httpStatus).send(body);
  };

  return {
    async preHandler(request: FastifyRequest<{ Body: CancelRequest }>, reply: FastifyReply) {
      const key = request.headers["idempotency-key"];
      if (key === undefined) return;
      if (typeof key !== "string" || !IDEMPOTENCY_KEY.test(key)) {
        return refuse(reply, 1002, "send 1 to 255 visible ASCII characters (e.g. a UUID), or leave it out");
      }
      const scope = sha256(`server_key ${request.body.server_key}`);
      const outcome = await claims.claim(
        scope,
        key,
        fingerprintOf(request.method, request.url, request.body),
      );
      switch (outcome.kind) {
        case "claimed":
          request.idempotency = outcome.claim;
          return;
        case "reused":
          return refuse(
            reply,
            1002,
            "this key was used for a different cancellation; send a new key for a new cancellation",
          );
        case "in_progress":
          reply.header("retry-after", String(Math.ceil(leaseMs / 1000)));
          return refuse(
            reply,
            9999,
            "the first request with this key is still being processed; retry shortly",
          );
        case "done":
          return replay(reply, outcome.response);
      }
    },

    ...claimSettlement(claims),

    /** The cancellation id of this request: derived from its key when it has one, else undefined (a new one). */
    cancellationId(request: FastifyRequest<{ Body: CancelRequest }>): string | undefined {
      return request.idempotency ? derivedId(request.idempotency, request.body.transaction_id) : undefined;
    },
  };
}

export type CancelIdempotency = ReturnType<typeof cancelIdempotency>;
