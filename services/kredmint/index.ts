import { KREDMINT_MOUNT } from "../../contracts/kredmint/envelope.ts";
import type { ApiKey } from "../http/api-keys.ts";
import type { HttpMount } from "../http/app.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import type { Reaction } from "../platform/reactor.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import type { Projection } from "../platform/readstore/projection.ts";
import { completionReactions } from "./completion-reactor.ts";
import { documentFileRoute, documentUploadRoute, invoiceUploadRoute } from "./http/document-routes.ts";
import { eligibilityRoute } from "./http/eligibility-route.ts";
import { kredmintErrorContract, kredmintOutsideRoutes, type MethodsByPath } from "./http/error-contract.ts";
import { partnerAdminRoutes } from "./http/partner-admin-routes.ts";
import { kredmintPartnerAuth } from "./http/partner-auth.ts";
import { supplierRoutes } from "./http/supplier-routes.ts";
import type { KredmintService } from "./kredmint-service.ts";
import { onboardingPages, type PageOtp } from "./pages/routes.ts";
import { kredmintDirectoryProjection } from "./read-models/directory.ts";
import { kredmintDisbursalsProjection } from "./read-models/disbursals.ts";

// The Partner API product (seed 000, /kredmint): what it contributes to each role.
export { startAutoPaySweep } from "./auto-pay-sweep.ts";
export { type KredmintService, type KredmintServiceOptions, kredmintService } from "./kredmint-service.ts";
export { SANDBOX_SOURCES, seedSandboxPartner } from "./sandbox.ts";
export { kredmintWebhookSource } from "./webhook-source.ts";

/** Its process managers: a disbursal repaid in full is Completed. */
export function kredmintReactions(store: EventStore, readStore: ReadStore): readonly Reaction[] {
  return [{ name: "kredmint_completion_reactor", handle: completionReactions(store, readStore) }];
}

/** Its read models: partners, their users, suppliers and documents; invoices (disbursals). */
export const kredmintProjections: readonly Projection[] = [
  kredmintDirectoryProjection,
  kredmintDisbursalsProjection,
];

export interface KredmintHttpOptions {
  readonly now: () => Date;
  readonly apiKeys: readonly ApiKey[];
  readonly rateLimit: { readonly max: number; readonly windowMs: number };
  /** The largest financial data file taken (KREDMINT_UPLOAD_MAX_BYTES). */
  readonly uploadMaxBytes: number;
  /** KREDMINT_LINK_SECRET (the service's): signs the onboarding pages' session cookie too. */
  readonly linkSecret: string;
  readonly publicBaseUrl: () => string;
  /** The onboarding pages' one-time codes (the OtpSender port, through the shared code book). */
  readonly otp: PageOtp;
}

/** The API under /kredmint, in its own envelope and error contract, and its operator routes under /v1. */
export function kredmintHttp(kredmint: KredmintService, options: KredmintHttpOptions): HttpMount {
  return async (app) => {
    const methodsByPath: MethodsByPath = new Map();
    app.answerOutsideRoutes(KREDMINT_MOUNT, kredmintOutsideRoutes(methodsByPath));
    await app.register(
      async (api) => {
        await api.register(kredmintErrorContract, { methodsByPath });
        // The partner's operations: Basic auth and the partner's rate limit.
        await api.register(async (partnerApi) => {
          await partnerApi.register(kredmintPartnerAuth, {
            authenticate: (header) => kredmint.authenticate(header),
            rateLimit: options.rateLimit,
          });
          eligibilityRoute(partnerApi, kredmint, options.now);
          supplierRoutes(partnerApi, kredmint, options.now);
          await partnerApi.register(documentUploadRoute(kredmint, options.now, options.uploadMaxBytes));
          await partnerApi.register(invoiceUploadRoute(kredmint, options.now, options.uploadMaxBytes));
        });
        // Links that carry their own signature: a document's url.
        documentFileRoute(api, kredmint);
        // The onboarding pages (HTML): their session comes from the signed landingUrl or the static URL.
        await api.register(onboardingPages, {
          kredmint,
          otp: options.otp,
          now: options.now,
          linkSecret: options.linkSecret,
          publicBaseUrl: options.publicBaseUrl,
          uploadMaxBytes: options.uploadMaxBytes,
        });
      },
      { prefix: KREDMINT_MOUNT },
    );
    await app.register(partnerAdminRoutes, { prefix: "/v1", kredmint, apiKeys: options.apiKeys });
  };
}
