import helmet from "@fastify/helmet";
import Fastify, { type FastifyPluginAsync } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { Logger } from "pino";
import { AUTH_FAILURE_DEFAULTS, AuthFailureLimiter } from "./auth-failures.ts";
import { exactJsonBody } from "./exact-json.ts";
import { healthRoutes } from "./health.ts";
import { redactedRequest } from "./log-redaction.ts";
import { type MetricsOptions, metricsRoutes } from "./metrics.ts";
import { openApiDocs } from "./openapi.ts";
import { outsideRoutes } from "./outside-routes.ts";
import { answerV1OutsideRoutes } from "./problem-details.ts";
import type { Readiness } from "./readiness.ts";
import { requestContext, requestId } from "./request-context.ts";

/**
 * What a bounded context contributes to the HTTP shell: a function that registers its routes (under the
 * prefix it chooses). The shell knows no context; the runtime hands it the mounts of the roles it runs.
 */
export type HttpMount = FastifyPluginAsync;

export interface AppOptions {
  readonly logger: Logger;
  readonly readiness: Readiness;
  /** `GET /metrics` and the request latencies (none without it). */
  readonly metrics?: MetricsOptions;
  /** Failed authentications per client before 429 (auth-failures.ts); default AUTH_FAILURE_DEFAULTS. */
  readonly authFailures?: { readonly limit: number; readonly windowMs: number };
  /** The clock of the limits (epoch ms); default the system clock. */
  readonly now?: () => number;
  /** The contexts' routes, registered in this order after the shared plugins. */
  readonly mounts?: readonly HttpMount[];
}

/** The HTTP app, separate from the listening server so tests drive it through inject(). */
export async function buildApp(options: AppOptions) {
  const outside = outsideRoutes();
  const app = Fastify({
    ...outside.fastifyOptions,
    loggerInstance: options.logger,
    genReqId: (request) => requestId(request.headers["request-id"]),
    // Each request's logger serializes the request with its URL's secrets masked (log-redaction.ts).
    childLoggerFactory: (logger, bindings, opts) =>
      logger.child(bindings, { ...opts, serializers: { ...opts.serializers, req: redactedRequest } }),
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(outside.plugin);
  await app.register(answerV1OutsideRoutes);
  // Security headers for the server-rendered pages only (html-page.ts applies them with each page's CSP).
  await app.register(helmet, { global: false });
  await app.register(openApiDocs); // before any route, so the document sees them all
  await app.register(requestContext);
  app.decorate(
    "authFailures",
    new AuthFailureLimiter({
      ...(options.authFailures ?? AUTH_FAILURE_DEFAULTS),
      now: options.now ?? Date.now,
    }),
  );
  // Before every route, so each request's latency is observed.
  if (options.metrics) await app.register(metricsRoutes, options.metrics);
  await app.register(exactJsonBody); // every route's JSON bodies, amounts exact
  await app.register(healthRoutes, { readiness: options.readiness });
  for (const mount of options.mounts ?? []) await app.register(mount);
  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
