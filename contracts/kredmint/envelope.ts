import { z } from "zod";
import { JsonNumberText } from "../money.ts";

// The Partner API's envelope (seed 000): every answer, success or error, is
//   {"payload": …, "sum": 0.0, "timestamp": <epoch ms>, "error": null | {"code": <http status>, "message": …}}
// `sum` is always the seed's `0.0` (the seed never shows another value; we give it no meaning).

/** Where the Partner API is mounted: the seed's `POST /user/eligibility` is `POST /kredmint/user/eligibility`. */
export const KREDMINT_MOUNT = "/kredmint";

/** The HTTP statuses the seed's error table lists that we answer (418 is the seed's joke; we never send it). */
export const KREDMINT_ERROR_STATUSES = [400, 401, 403, 404, 405, 406, 429, 500, 503] as const;
export type KredmintErrorStatus = (typeof KREDMINT_ERROR_STATUSES)[number];

/** The seed's `0.0`: a JSON number written with its fraction digit, as Java's Double prints it. */
export const ZERO_SUM = new JsonNumberText("0.0");

/** An amount or `sum` on the wire: a JSON number carrying its exact digits (`100000.0`, `1000.5`). */
export const jsonAmount = z.instanceof(JsonNumberText).describe("INR amount, a JSON number such as 100000.0");

export const kredmintErrorSchema = z.object({
  code: z.number().int().describe("the HTTP status of the reply"),
  message: z.string().describe("`<field>: <what is wrong and how to fix it>`"),
});

/** The success envelope around a payload schema. */
export function envelopeSchema<P extends z.ZodType>(payload: P) {
  return z.object({ payload, sum: jsonAmount, timestamp: z.number().int(), error: z.null() });
}

/** The error envelope: no payload, the error's code and message. */
export const errorEnvelopeSchema = z.object({
  payload: z.null(),
  sum: jsonAmount,
  timestamp: z.number().int(),
  error: kredmintErrorSchema,
});
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

/** Every error status a Partner API route may answer, for its response schemas (and so its OpenAPI entry). */
export function errorResponses(statuses: readonly KredmintErrorStatus[]) {
  return Object.fromEntries(statuses.map((status) => [status, errorEnvelopeSchema])) as Record<
    KredmintErrorStatus,
    typeof errorEnvelopeSchema
  >;
}

export function envelope<P>(payload: P, now: Date) {
  return { payload, sum: ZERO_SUM, timestamp: now.getTime(), error: null };
}

export function errorEnvelope(code: KredmintErrorStatus, message: string, now: Date): ErrorEnvelope {
  return { payload: null, sum: ZERO_SUM, timestamp: now.getTime(), error: { code, message } };
}
