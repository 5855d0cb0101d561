import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { checkoutErrorBodySchema } from "../../../contracts/checkout/errors.ts";
import type { Caller } from "../../ledger/decider.ts";

// What the /kredivo routes (endpoints/*.ts) share: their tag and the statuses every one of them answers.

export const TAG = "Checkout API (2-click)";

/** Every coded outcome is HTTP 200 with the code in `status`; only 9999 is not (errors.ts, error-contract.ts). */
export const outcome = <T extends z.ZodType>(success: T) =>
  z
    .union([success, checkoutErrorBodySchema])
    .describe("`status` 1 (or a status word on checkout/update) on success, the error envelope otherwise");
/**
 * What every route can answer besides its outcome: 9429 after too many bad server_keys from the caller's
 * address (429), 9999 as a fault of ours (500) or a retry later (503).
 */
export const faults = {
  429: checkoutErrorBodySchema.describe(
    "9429: too many failed server_key attempts from this address; retry after the Retry-After header's seconds",
  ),
  500: checkoutErrorBodySchema.describe("9999: a fault on our side; quote the Request-Id header"),
  503: checkoutErrorBodySchema.describe(
    "9999: the store cannot be reached, or the transaction stayed contended; nothing was written, retry later",
  ),
};

export function callerOf(request: FastifyRequest): Caller {
  return { actor: "merchant", correlationId: request.correlationId, causationId: request.id };
}
