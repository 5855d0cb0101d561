import { z } from "zod";
import {
  anyString,
  FIELD_MAX_CHARS,
  integerVnd,
  requiredString,
  STATUS_SUCCESS,
  typeError,
} from "./common.ts";

// 0-click (seed "0-click Checkout"): checkout/init's answers with a user_token, and POST /get_credit_details.

/**
 * checkout/init with a user_token that authenticated the buyer: no hosted page. Approved at once, the answer
 * has no URL at all; flagged by a risk rule, `redirect_url` (the response table's name) leads the buyer to the
 * OTP challenge, after which the checkout goes on as approved.
 */
export const initZeroClickResponseSchema = z.strictObject({
  status: z.literal(STATUS_SUCCESS),
  message: anyString(),
  transaction_id: requiredString(FIELD_MAX_CHARS.key),
  redirect_url: z.url({ protocol: /^https?$/ }).optional(),
});

export const initZeroClickApprovedResponseExample = {
  status: 1,
  message: "Success",
  transaction_id: "30ce9850-db4d-4742-9f12-e2a22ad03bb5",
};

export const initZeroClickChallengeResponseExample = {
  status: 1,
  message: "Success",
  transaction_id: "30ce9850-db4d-4742-9f12-e2a22ad03bb5",
  redirect_url: "https://pay-vn.kredivo.com/kredivo/signIn?tk=30ce9850-db4d-4742-9f12-e2a22ad03bb5",
};

export const creditDetailsRequestSchema = z.object(
  {
    server_key: requiredString(FIELD_MAX_CHARS.key),
    user_token: requiredString(FIELD_MAX_CHARS.key),
  },
  { error: typeError("object") },
);
export type CreditDetailsRequest = z.output<typeof creditDetailsRequestSchema>;

/** The remaining limit per tenure, integer VND, under the tenure as key (seed: "1", "3", "6", "12"). */
export const creditDetailsResponseSchema = z.strictObject({
  status: z.literal(STATUS_SUCCESS),
  message: z.literal("Success"),
  limit: z.strictObject({ "1": integerVnd, "3": integerVnd, "6": integerVnd, "12": integerVnd }),
});

export const creditDetailsRequestExample = { server_key: "ABCD-XXXX-1234", user_token: "XXXX-YYYY" };

export const creditDetailsResponseExample = {
  status: 1,
  message: "Success",
  limit: { "1": 3449094, "3": 9618221, "6": 18305674, "12": 23500000 },
};
