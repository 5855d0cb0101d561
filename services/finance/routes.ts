import type { FastifyInstance } from "fastify";
import { type ApiKey, apiKeys } from "../http/api-keys.ts";
import { useProblemErrors } from "../http/problem-details.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import { chainRoute } from "./audit/chain-route.ts";
import { auditRoutes } from "./audit/routes.ts";
import { type ReconServices, reconRoutes } from "./recon/routes.ts";
import { accountStatementRoutes } from "./reports/account-statement.ts";
import { buyerLoansRoutes } from "./reports/buyer-loans.ts";
import { settlementStatementRoutes } from "./reports/settlement-statement.ts";
import { trialBalanceRoutes } from "./reports/trial-balance.ts";

export interface FinanceRoutesOptions {
  readonly store: EventStore;
  readonly readStore: ReadStore;
  /** Resolves true once the journal projection has applied `position` (bounded). */
  readonly waitForJournal: (position: string) => Promise<boolean>;
  readonly now: () => Date;
  readonly apiKeys: readonly ApiKey[];
  readonly recon: ReconServices;
}

/**
 * The finance read API under /v1/finance (API key with the `finance` role): trial balance (current, as of
 * a log position or an effective time), account statements with running balances, merchant settlement
 * statements and a buyer's loans; and under /v1/audit the hash chain's head, and any stream's state or
 * account's balances as of a log position or an effective time. Bad parameters are 400 problems naming the parameter.
 */
export async function financeRoutes(app: FastifyInstance, options: FinanceRoutesOptions): Promise<void> {
  await app.register(apiKeys, { apiKeys: options.apiKeys });
  useProblemErrors(app, "finance");
  await app.register(trialBalanceRoutes, options);
  await app.register(accountStatementRoutes, options);
  await app.register(settlementStatementRoutes, options);
  await app.register(buyerLoansRoutes, options);
  await app.register(reconRoutes, options);
  await app.register(chainRoute, options);
  await app.register(auditRoutes, options);
}
