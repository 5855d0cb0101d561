import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Readiness } from "./readiness.ts";

const projectionReport = z.object({
  name: z.string(),
  status: z.string(),
  position: z.string(),
  lag: z.string(),
  error: z.string().nullable(),
});
const readyReport = z.object({
  ready: z.boolean(),
  store: z.object({ open: z.boolean(), head: z.string().nullable(), error: z.string().optional() }),
  projections: z.array(projectionReport),
});

/** Liveness (the process answers) and readiness (store open, projections running and close to the head). */
export async function healthRoutes(app: FastifyInstance, options: { readiness: Readiness }): Promise<void> {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get(
    "/healthz",
    { schema: { hide: true, response: { 200: z.object({ status: z.literal("ok") }) } } },
    async () => ({ status: "ok" as const }),
  );
  typed.get(
    "/readyz",
    { schema: { hide: true, response: { 200: readyReport, 503: readyReport } } },
    async (_request, reply) => {
      const report = await options.readiness();
      return reply.code(report.ready ? 200 : 503).send(report);
    },
  );
}
