import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { Histogram } from "prom-client";
import { z } from "zod";
import { LATENCY_BUCKETS_SECONDS, type MetricsRegistry } from "../platform/metrics.ts";
import { type ApiKey, apiKeys } from "./api-keys.ts";

export interface MetricsOptions {
  /** The service instance's registry, which every role running in the process fills. */
  readonly registry: MetricsRegistry;
  /** Keys with the `metrics` role may scrape (API_KEYS). */
  readonly apiKeys: readonly ApiKey[];
}

/** The role an API key needs to read /metrics. */
export const METRICS_ROLE = "metrics";

/** The label of a request no route matched: its raw URL must never become a label value. */
export const NO_ROUTE = "(no route)";

/**
 * `GET /metrics` in Prometheus' text format, and every request's latency by route and status. The route
 * label is the route's pattern (`/v1/notifications/:deliveryId`), never the URL, so ids never become label
 * values. Scraping needs an API key with the `metrics` role (`Authorization: Bearer <key>`), like the /v1
 * operator routes: the figures say how much business the ledger does. Left out of the OpenAPI document,
 * like /healthz.
 */
export const metricsRoutes = fp(
  async (app: FastifyInstance, options: MetricsOptions) => {
    const duration = new Histogram({
      name: "ledger_http_request_duration_seconds",
      help: "Time from receiving a request to the end of its reply, by method, route pattern and status",
      labelNames: ["method", "route", "status_code"] as const,
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [options.registry],
    });
    app.addHook("onResponse", async (request, reply) => {
      duration.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? NO_ROUTE,
          status_code: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
    });
    await app.register(async (scope) => {
      await scope.register(apiKeys, { apiKeys: options.apiKeys });
      scope.withTypeProvider<ZodTypeProvider>().get(
        "/metrics",
        {
          schema: { hide: true, response: { 200: z.string() } },
          onRequest: scope.requireRole(METRICS_ROLE),
        },
        async (_request, reply) =>
          reply.type(options.registry.contentType).send(await options.registry.metrics()),
      );
    });
  },
  { name: "metrics" },
);
