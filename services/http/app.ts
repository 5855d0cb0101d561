import Fastify from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { Logger } from "pino";
import { CHECKOUT_MOUNT } from "../../contracts/checkout/routes.ts";
import type { CheckoutService } from "../checkout/checkout-service.ts";
import { checkoutErrorContract } from "../checkout/error-contract.ts";
import { hostedPageRoutes } from "../checkout/hosted-page/index.ts";
import { checkoutRoutes } from "../checkout/routes.ts";
import type { RepaymentService } from "../credit/repayment-service.ts";
import { type FinanceApiOptions, financeApi } from "../finance/index.ts";
import { repaymentRoutes } from "../finance/repayments/routes.ts";
import { type Notifier, notifierRoutes } from "../notifier/index.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import { healthRoutes } from "./health.ts";
import { openApiDocs } from "./openapi.ts";
import type { Readiness } from "./readiness.ts";
import { requestContext, requestId } from "./request-context.ts";

export interface AppOptions {
  readonly logger: Logger;
  readonly readiness: Readiness;
  /** The Checkout API's use cases; when given, the API and its hosted page are served under /kredivo. */
  readonly checkout?: CheckoutService;
  /** The notifier's operator API (dead letters, replay) under /v1, for the process that runs the notifier. */
  readonly notifications?: { readonly notifier: Notifier; readonly readStore: ReadStore };
  readonly apiKeys?: readonly { key: string; roles: string[] }[];
  /** Buyers' repayments recorded by operators: POST /v1/repayments (needs readStore for Idempotency-Key). */
  readonly repayments?: { readonly service: RepaymentService; readonly readStore: ReadStore };
  /** The payout run (operator) and the finance read API (finance) under /v1. */
  readonly finance?: FinanceApiOptions;
}

/** The HTTP app, separate from the listening server so tests drive it through inject(). */
export async function buildApp(options: AppOptions) {
  const app = Fastify({
    loggerInstance: options.logger,
    genReqId: (request) => requestId(request.headers["request-id"]),
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(openApiDocs); // before any route, so the document sees them all
  await app.register(requestContext);
  await app.register(healthRoutes, { readiness: options.readiness });
  const { checkout, notifications } = options;
  if (checkout) {
    await app.register(
      async (kredivo) => {
        await kredivo.register(checkoutErrorContract); // body parser, validation and errors for /kredivo
        await kredivo.register(checkoutRoutes, { checkout });
      },
      { prefix: CHECKOUT_MOUNT },
    );
    await app.register(hostedPageRoutes, { prefix: CHECKOUT_MOUNT, checkout });
  }
  if (notifications) {
    await app.register(notifierRoutes, { prefix: "/v1", ...notifications, apiKeys: options.apiKeys ?? [] });
  }
  if (options.repayments) {
    const { service, readStore } = options.repayments;
    await app.register(repaymentRoutes, {
      prefix: "/v1",
      repayments: service,
      readStore,
      apiKeys: options.apiKeys ?? [],
    });
  }
  if (options.finance) {
    await app.register(financeApi, { prefix: "/v1", ...options.finance, apiKeys: options.apiKeys ?? [] });
  }
  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
