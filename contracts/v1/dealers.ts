import { z } from "zod";

// POST /v1/merchants/{merchantId}/dealers (operator): registers a dealer (seed 001: "a submerchant unique ID"
// a merchant names as `dealer_code` in an offline checkout/init and in checkout/<id>/abort).

/** Letters, digits, `.`, `_` and `-`, at most 100 characters (the bound of `dealer_code` on /kredivo). */
export const DEALER_CODE_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;

export const dealerCodeSchema = z
  .string()
  .regex(DEALER_CODE_PATTERN, "must_be_1_to_100_letters_digits_or_._-")
  .describe("the dealer code, e.g. SF241290");

export const dealerRegistrationSchema = z.strictObject({ dealerCode: dealerCodeSchema });

export const dealerParamsSchema = z.strictObject({
  merchantId: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,189}$/, "must_be_a_merchant_id")
    .describe("the merchant's id, e.g. sandbox-merchant"),
});

export const dealerSchema = z.strictObject({
  merchantId: z.string(),
  dealerCode: z.string(),
  registeredAt: z.string().describe("when the dealer was first registered (ISO 8601)"),
});
