import { z } from "zod";
import {
  anyString,
  checkoutAmountText,
  epochSeconds,
  FIELD_MAX_CHARS,
  requiredString,
  tenureOut,
  typeError,
} from "./common.ts";
import { checkoutErrorBodySchema } from "./errors.ts";

// POST /checkout/update ("Confirm Transaction"): the merchant confirms (settled) or rejects (failed) a
// transaction after a push with trx_status "pending". Authenticated by signature_key + transaction_id (no
// server_key). Errors — missing keys, invalid transaction token, invalid signature key — are all 1002.

export const CONFIRM_STATUSES = ["settled", "failed"] as const;
export type ConfirmStatus = (typeof CONFIRM_STATUSES)[number];

export const updateRequestSchema = z.object(
  {
    signature_key: requiredString(FIELD_MAX_CHARS.key),
    transaction_id: requiredString(FIELD_MAX_CHARS.key),
    status: z.enum(CONFIRM_STATUSES, {
      error: (iss) => (iss.input === undefined ? "required" : "must_be_one_of:settled|failed"),
    }),
  },
  { error: typeError("object") },
);
export type UpdateRequest = z.output<typeof updateRequestSchema>;

/** Status words of the update response (the 0-click/offline table adds "expired"). */
export const UPDATE_RESPONSE_STATUSES = [
  "settlement",
  "pending",
  "denied",
  "cancel",
  "failed",
  "expired",
] as const;
export type UpdateResponseStatus = (typeof UPDATE_RESPONSE_STATUSES)[number];

/**
 * The table types amount Double, but every example sends it (and discount_amount / disbursed_amount, which
 * the table does not list) as a "4000000.0" string: the examples are what merchants parse, so strings.
 * user_token is null for 2-click, the token for a tokenizing 0-click.
 */
export const updateSuccessResponseSchema = z.strictObject({
  status: z.enum(UPDATE_RESPONSE_STATUSES),
  message: anyString(),
  tenure: tenureOut,
  transaction_time: epochSeconds,
  order_id: z.string().min(1),
  amount: checkoutAmountText,
  discount_amount: checkoutAmountText,
  disbursed_amount: checkoutAmountText,
  user_token: z.string().min(1).nullable(),
});
export type UpdateSuccessResponse = z.output<typeof updateSuccessResponseSchema>;

export const updateResponseSchema = z.union([updateSuccessResponseSchema, checkoutErrorBodySchema]);

// --------------------------------------------------------------------------------------- seed examples

export const updateRequestExample = {
  signature_key:
    "Lrgsmk09S0f8biAf/bYGrfDXJXvk7ftLMZ3L1b4o7+4LxARUGA9e1wsA64OTE33eiV7ULiOv/ZPy4SJ7TDT9ugxECGLtuMF65cmZyLLkaLY=",
  transaction_id: "9ce1596f-bd4e-4fa2-b49f-3537de3f4128",
  status: "settled",
} satisfies z.input<typeof updateRequestSchema>;

/** 2-click. (The seed's numbers do not add up: 4000000 − 300000 ≠ 2100000; kept verbatim.) */
export const updateResponseExample = {
  status: "settlement",
  message: "Success",
  tenure: 1,
  transaction_time: 1645289475,
  order_id: "B21145",
  amount: "4000000.0",
  discount_amount: "300000.0",
  disbursed_amount: "2100000.0",
  user_token: null,
} satisfies z.input<typeof updateSuccessResponseSchema>;

/** 0-click: the same with the user's token. */
export const updateZeroClickResponseExample = {
  status: "settlement",
  message: "Success",
  tenure: 1,
  transaction_time: 1645289475,
  order_id: "B21145",
  amount: "4000000.0",
  discount_amount: "300000.0",
  disbursed_amount: "2100000.0",
  user_token: "XXXX-XXXX",
} satisfies z.input<typeof updateSuccessResponseSchema>;

/** Offline: order_id "KD125262", user_token null. */
export const updateOfflineResponseExample = {
  status: "settlement",
  message: "Success",
  tenure: 1,
  transaction_time: 1645289475,
  order_id: "KD125262",
  amount: "4000000.0",
  discount_amount: "300000.0",
  disbursed_amount: "2100000.0",
  user_token: null,
} satisfies z.input<typeof updateSuccessResponseSchema>;
