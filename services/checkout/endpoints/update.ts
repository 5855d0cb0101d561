import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { CHECKOUT_ROUTES } from "../../../contracts/checkout/routes.ts";
import {
  type UpdateResponseStatus,
  updateRequestExample,
  updateRequestSchema,
  updateResponseExample,
  updateSuccessResponseSchema,
} from "../../../contracts/checkout/update.ts";
import { money, renderCheckoutAmount } from "../../../contracts/money.ts";
import type { CheckoutPhase } from "../../ledger/checkout/checkout.decider.ts";
import type { CheckoutService } from "../checkout-service.ts";
import { callerOf, faults, outcome, TAG } from "./shared.ts";

/** The transaction's phase after a confirmation, as the seed's update status word. */
function updateStatus(phase: CheckoutPhase): UpdateResponseStatus {
  switch (phase) {
    case "settled":
      return "settlement";
    case "failed":
      return "failed";
    default:
      // Settle and Fail either end in one of the two or are refused; anything else is a bug of ours.
      throw new Error(`checkout/update left the transaction in phase ${phase}`);
  }
}

/** We grant no discount on the hosted page, so the whole amount is disbursed. */
const NO_DISCOUNT_MINOR = 0n;

function epochSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

/** checkout/update ("Confirm Transaction"): the merchant settles or fails a pending transaction. */
export function updateRoute(app: FastifyInstance, checkout: CheckoutService): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    CHECKOUT_ROUTES.update,
    {
      schema: {
        tags: [TAG],
        operationId: "checkoutUpdate",
        summary: "Confirm Transaction",
        description:
          'After a push with trx_status "pending": status "settled" confirms, "failed" rejects. Authenticated ' +
          "by the push's signature_key. Repeating a confirmation answers the same; confirming after the " +
          "transaction failed (not confirmed in time) is 1002. Missing keys, an unknown transaction_id or a " +
          "wrong signature_key: 1002.",
        body: updateRequestSchema.meta({
          "x-examples": { seed: { summary: "The seed's confirmation", value: updateRequestExample } },
        }),
        response: {
          200: outcome(updateSuccessResponseSchema).meta({ examples: [updateResponseExample] }),
          ...faults,
        },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const { state, initiated } = await checkout.update(request.body, caller);
      // 0-click: the token issued once a tokenizing checkout settles, or the one a 0-click checkout used.
      const userToken = await checkout.userTokenAfterUpdate(state, initiated, caller);
      const amountMinor = initiated.amountMinor;
      return {
        status: updateStatus(state.phase),
        message: "Success",
        tenure: state.tenure ?? initiated.tenure,
        transaction_time: epochSeconds(initiated.initiatedAt),
        order_id: initiated.orderId,
        amount: renderCheckoutAmount(money(amountMinor, "VND")),
        discount_amount: renderCheckoutAmount(money(NO_DISCOUNT_MINOR, "VND")),
        disbursed_amount: renderCheckoutAmount(money(amountMinor - NO_DISCOUNT_MINOR, "VND")),
        user_token: userToken,
      };
    },
  );
}
