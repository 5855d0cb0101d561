import type { FastifyInstance } from "fastify";
import type { EventStore } from "../../platform/eventstore/port.ts";
import type { ReadStore } from "../../platform/readstore/port.ts";
import { agingRoutes } from "./aging-routes.ts";
import { bankStatementRoutes } from "./bank-statement-routes.ts";
import { type BankStatementDeps, type BankStatements, bankStatements } from "./bank-statements.ts";
import { type DailyClose, dailyClose } from "./daily-close.ts";
import { dailyCloseRoutes } from "./daily-close-routes.ts";
import { payoutReportRoutes } from "./payout-routes.ts";

export interface ReconServices {
  readonly statements: BankStatements;
  readonly close: DailyClose;
}

export interface ReconRoutesOptions {
  readonly store: EventStore;
  readonly readStore: ReadStore;
  readonly now: () => Date;
  readonly recon: ReconServices;
}

/** The use cases behind /v1/recon and the finance page, built once for both. */
export function reconServices(deps: BankStatementDeps): ReconServices {
  return { statements: bankStatements(deps), close: dailyClose(deps) };
}

/** Reconciliation under /v1/recon (finance role): JSON, or CSV with `Accept: text/csv`. */
export async function reconRoutes(app: FastifyInstance, options: ReconRoutesOptions): Promise<void> {
  await app.register(payoutReportRoutes, options);
  await app.register(agingRoutes, options);
  await app.register(bankStatementRoutes, {
    statements: options.recon.statements,
    readStore: options.readStore,
  });
  await app.register(dailyCloseRoutes, { close: options.recon.close });
}
