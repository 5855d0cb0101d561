import { KREDMINT_MOUNT } from "../../contracts/kredmint/envelope.ts";
import type { ApiKey } from "../http/api-keys.ts";
import type { HttpMount } from "../http/app.ts";
import type { Projection } from "../platform/readstore/projection.ts";
import { eligibilityRoute } from "./http/eligibility-route.ts";
import { kredmintErrorContract } from "./http/error-contract.ts";
import { partnerAdminRoutes } from "./http/partner-admin-routes.ts";
import { kredmintPartnerAuth } from "./http/partner-auth.ts";
import { supplierRoutes } from "./http/supplier-routes.ts";
import type { KredmintService } from "./kredmint-service.ts";
import { kredmintDirectoryProjection } from "./read-models/directory.ts";

// The Partner API product (seed 000, /kredmint): what it contributes to each role.
export { type KredmintService, type KredmintServiceOptions, kredmintService } from "./kredmint-service.ts";
export { SANDBOX_SOURCES, seedSandboxPartner } from "./sandbox.ts";

/** Its read models: partners and their users. */
export const kredmintProjections: readonly Projection[] = [kredmintDirectoryProjection];

export interface KredmintHttpOptions {
  readonly now: () => Date;
  readonly apiKeys: readonly ApiKey[];
  readonly rateLimit: { readonly max: number; readonly windowMs: number };
}

/** The API under /kredmint, in its own envelope and error contract, and its operator routes under /v1. */
export function kredmintHttp(kredmint: KredmintService, options: KredmintHttpOptions): HttpMount {
  return async (app) => {
    await app.register(
      async (api) => {
        await api.register(kredmintErrorContract);
        await api.register(kredmintPartnerAuth, {
          authenticate: (header) => kredmint.authenticate(header),
          rateLimit: options.rateLimit,
        });
        eligibilityRoute(api, kredmint, options.now);
        supplierRoutes(api, kredmint, options.now);
      },
      { prefix: KREDMINT_MOUNT },
    );
    await app.register(partnerAdminRoutes, { prefix: "/v1", kredmint, apiKeys: options.apiKeys });
  };
}
