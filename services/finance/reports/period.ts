import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { sendProblem } from "../../http/problem-details.ts";
import { isoTime } from "./wire.ts";

/** A report's period in effective time, `[from, to)`: both optional. */
export const periodQuery = z.object({
  from: isoTime.optional().describe("start of the period, inclusive (effective time); default: the start"),
  to: isoTime.optional().describe("end of the period, exclusive (effective time); default: now"),
});

export type Period =
  | { readonly ok: true; readonly from: string; readonly to: string }
  | { readonly ok: false; refuse(request: FastifyRequest, reply: FastifyReply): FastifyReply };

export function resolvePeriod(query: z.output<typeof periodQuery>, now: Date): Period {
  const from = new Date(query.from ?? "1970-01-01T00:00:00.000Z").toISOString();
  const to = new Date(query.to ?? now).toISOString();
  if (from < to) return { ok: true, from, to };
  return {
    ok: false,
    refuse: (request, reply) =>
      sendProblem(request, reply, "invalid_parameter", {
        detail: `to: the period must end after it starts (from ${from}, to ${to})`,
        param: "to",
      }),
  };
}
