import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { z } from "zod";
import type { CheckoutState } from "../../../ledger/checkout/checkout.decider.ts";
import type { InitiatedData } from "../../../ledger/checkout/checkout.events.ts";
import { forged, type HostedPage } from "../browser.ts";
import type { Lang } from "../i18n.ts";
import { languageOf, refuse } from "../respond.ts";
import { actionParams } from "../schemas.ts";

/** What every form of the page carries. */
type Form = { readonly csrf: string; readonly lang?: Lang | undefined };

/** The checkout a form post names, in the form's language. */
export interface PostedStep {
  readonly tx: string;
  readonly language: Lang;
  readonly state: CheckoutState;
  readonly initiated: InitiatedData;
}

/**
 * Registers a step's form, posted to `/signIn/<transaction_id>/<action>`. Every post starts the same way:
 * the checkout it names is loaded, and a post that did not come from this page is answered 403 before the
 * step runs.
 */
export function formStep<Fields extends Form>(
  app: FastifyInstance,
  page: HostedPage,
  action: string,
  body: z.ZodType<Fields>,
  step: (
    posted: PostedStep,
    form: Fields,
    request: FastifyRequest,
    reply: FastifyReply,
  ) => Promise<FastifyReply>,
): void {
  app
    .withTypeProvider<ZodTypeProvider>()
    .post(
      `/signIn/:transactionId/${action}`,
      { schema: { hide: true, params: actionParams, body } },
      async (request, reply) => {
        const tx = request.params.transactionId;
        // The route's schema has validated the form (a bad one is the error handler's 400); parsing its
        // output again is what types it here, where the schema is generic.
        const form = body.parse(request.body);
        const language = languageOf(request, form.lang);
        const { state, initiated } = await page.checkout.page(tx);
        if (forged(page, request, tx, form.csrf)) return refuse(reply, language, initiated);
        return step({ tx, language, state, initiated }, form, request, reply);
      },
    );
}
