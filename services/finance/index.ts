import type { RepaymentService } from "../credit/index.ts";
import type { HttpMount } from "../http/app.ts";
import type { Projection } from "../platform/readstore/projection.ts";
import { payoutService } from "./payouts/payout-run.ts";
import { payoutRoutes } from "./payouts/routes.ts";
import { journalProjection } from "./read-models/journal.ts";
import { repaymentRoutes } from "./repayments/routes.ts";
import { type FinanceRoutesOptions, financeRoutes } from "./routes.ts";

export { waitForJournal } from "./queries.ts";

/** The double-entry journal, derived from the log. */
export const financeProjections: readonly Projection[] = [journalProjection];

export interface FinanceHttpOptions extends FinanceRoutesOptions {
  /** The credit kernel's Repay, behind POST /v1/repayments. */
  readonly repayments: RepaymentService;
  /** IDEMPOTENCY_LEASE_MS: when a key held by a request that died may be taken over. */
  readonly idempotencyLeaseMs: number;
}

/** Under /v1: POST /payouts/run and /repayments (operator), GET /finance/… (finance). */
export function financeHttp(options: FinanceHttpOptions): HttpMount {
  const { readStore, apiKeys, store, waitForJournal, now } = options;
  const payouts = payoutService({ store, readStore, waitForJournal, now });
  return async (app) => {
    await app.register(
      async (v1) => {
        const leaseMs = options.idempotencyLeaseMs;
        await v1.register(repaymentRoutes, { repayments: options.repayments, readStore, apiKeys, leaseMs });
        await v1.register(payoutRoutes, { payouts, readStore, apiKeys, leaseMs });
        await v1.register(financeRoutes, { store, readStore, waitForJournal, now, apiKeys });
      },
      { prefix: "/v1" },
    );
  };
}
