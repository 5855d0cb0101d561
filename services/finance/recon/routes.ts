import type { FastifyInstance } from "fastify";
import type { EventStore } from "../../platform/eventstore/port.ts";
import type { ReadStore } from "../../platform/readstore/port.ts";
import { agingRoutes } from "./aging-routes.ts";
import { bankStatementRoutes } from "./bank-statement-routes.ts";
import { bankStatements } from "./bank-statements.ts";
import { payoutReportRoutes } from "./payout-routes.ts";

export interface ReconRoutesOptions {
  readonly store: EventStore;
  readonly readStore: ReadStore;
  readonly waitForJournal: (position: string) => Promise<boolean>;
  readonly now: () => Date;
}

/** Reconciliation under /v1/recon (finance role): JSON, or CSV with `Accept: text/csv`. */
export async function reconRoutes(app: FastifyInstance, options: ReconRoutesOptions): Promise<void> {
  await app.register(payoutReportRoutes, options);
  await app.register(agingRoutes, options);
  await app.register(bankStatementRoutes, { statements: bankStatements(options) });
}
