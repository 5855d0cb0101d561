import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { positionSchema } from "../../../contracts/envelope.ts";
import type { EventStore } from "../../platform/eventstore/port.ts";

export interface ChainRouteOptions {
  readonly store: EventStore;
}

const chainHeadSchema = z.object({
  position: positionSchema.describe("log position of the last event; 0 while the log is empty"),
  hash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .describe("its chain hash (sha256, hex); 64 zeros, the genesis, while the log is empty"),
  algorithm: z.literal("sha256"),
});

/**
 * `GET /audit/chain`: the hash chain's head, for an auditor to record and later check with
 * `ledger verify --chain --head <position>:<hash>` (docs/audit.md).
 */
export async function chainRoute(app: FastifyInstance, options: ChainRouteOptions): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    "/audit/chain",
    {
      onRequest: app.requireRole("finance"),
      schema: {
        tags: ["audit"],
        summary: "The tamper-evident log's head: the last event's position and chain hash",
        response: { 200: chainHeadSchema },
      },
    },
    async () => ({ ...(await options.store.chainHead()), algorithm: "sha256" as const }),
  );
}
