import type { FastifyInstance } from "fastify";
import type { ApiKey } from "../http/api-keys.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import { type PayoutService, payoutService } from "./payouts/payout-run.ts";
import { payoutRoutes } from "./payouts/routes.ts";
import { financeRoutes } from "./routes.ts";

export interface FinanceApiOptions {
  readonly store: EventStore;
  readonly readStore: ReadStore;
  /** Resolves true once the journal projection has applied `position` (bounded). */
  readonly waitForJournal: (position: string) => Promise<boolean>;
  readonly now: () => Date;
  readonly payouts: PayoutService;
}

/** The payout run and the finance read API, composed from the stores (services/runtime/compose.ts). */
export function financeApiOptions(options: Omit<FinanceApiOptions, "payouts">): FinanceApiOptions {
  return { ...options, payouts: payoutService(options) };
}

/** Mount under /v1: POST /payouts/run (operator) and GET /finance/… (finance). */
export async function financeApi(
  app: FastifyInstance,
  options: FinanceApiOptions & { readonly apiKeys: readonly ApiKey[] },
): Promise<void> {
  const { payouts, readStore, apiKeys, store, waitForJournal, now } = options;
  await app.register(payoutRoutes, { payouts, readStore, apiKeys });
  await app.register(financeRoutes, { store, readStore, waitForJournal, now, apiKeys });
}
