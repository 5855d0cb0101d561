import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import {
  eligibilityRequestSchema,
  eligibilityResponseSchema,
} from "../../../contracts/kredmint/eligibility.ts";
import { envelope, errorResponses } from "../../../contracts/kredmint/envelope.ts";
import type { KredmintService } from "../kredmint-service.ts";
import { partnerCaller, partnerOf } from "./partner-auth.ts";

/** `POST /user/eligibility` (seed "Dynamic Status/Banner API"): the user's banner, creating the user on first call. */
export function eligibilityRoute(app: FastifyInstance, kredmint: KredmintService, now: () => Date): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    "/user/eligibility",
    {
      schema: {
        tags: ["kredmint"],
        summary: "Eligibility banner: creates or loads the user (USR-<n>) and answers its banner",
        security: [{ partnerBasic: [] }],
        body: eligibilityRequestSchema,
        response: { 200: eligibilityResponseSchema, ...errorResponses([400, 401, 406, 429, 500, 503]) },
      },
    },
    async (request) => {
      const banner = await kredmint.eligibility(partnerOf(request), request.body, partnerCaller(request));
      return envelope(banner, now());
    },
  );
}
