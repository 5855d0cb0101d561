import type { RepaymentService } from "../credit/index.ts";
import type { HttpMount } from "../http/app.ts";
import type { Projection } from "../platform/readstore/projection.ts";
import { FINANCE_PAGE_PATH, financePage } from "./page/routes.ts";
import { payoutService } from "./payouts/payout-run.ts";
import { payoutRoutes } from "./payouts/routes.ts";
import { bankStatementsProjection } from "./read-models/bank-statements.ts";
import { journalProjection } from "./read-models/journal.ts";
import { reconServices } from "./recon/routes.ts";
import { repaymentRoutes } from "./repayments/routes.ts";
import { type FinanceRoutesOptions, financeRoutes } from "./routes.ts";

export { waitForJournal } from "./queries.ts";

/** The double-entry journal and the imported bank statements, derived from the log. */
export const financeProjections: readonly Projection[] = [journalProjection, bankStatementsProjection];

export interface FinanceHttpOptions extends Omit<FinanceRoutesOptions, "recon"> {
  /** The credit kernel's Repay, behind POST /v1/repayments. */
  readonly repayments: RepaymentService;
  /** IDEMPOTENCY_LEASE_MS: when a key held by a request that died may be taken over. */
  readonly idempotencyLeaseMs: number;
  /** The finance page's links and cookies (PUBLIC_BASE_URL). */
  readonly publicBaseUrl: () => string;
  /** FINANCE_PAGE_SECRET: signs the finance page's session cookie; unset, a random one per process. */
  readonly pageSecret: string | undefined;
}

/**
 * Under /v1: POST /payouts/run and /repayments (operator), GET /finance/… and /recon/… (finance); and the
 * finance page under /finance.
 */
export function financeHttp(options: FinanceHttpOptions): HttpMount {
  const { readStore, apiKeys, store, waitForJournal, now } = options;
  const payouts = payoutService({ store, readStore, waitForJournal, now });
  const recon = reconServices({ store, readStore, waitForJournal, now });
  return async (app) => {
    await app.register(
      async (v1) => {
        const leaseMs = options.idempotencyLeaseMs;
        await v1.register(repaymentRoutes, { repayments: options.repayments, readStore, apiKeys, leaseMs });
        await v1.register(payoutRoutes, { payouts, readStore, apiKeys, leaseMs });
        await v1.register(financeRoutes, { store, readStore, waitForJournal, now, apiKeys, recon });
      },
      { prefix: "/v1" },
    );
    await app.register(financePage, {
      prefix: FINANCE_PAGE_PATH,
      store,
      readStore,
      apiKeys,
      ...recon,
      now,
      publicBaseUrl: options.publicBaseUrl,
      sessionSecret: options.pageSecret,
    });
  };
}
