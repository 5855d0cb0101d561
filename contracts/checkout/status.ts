import { z } from "zod";
import { JsonNumberText } from "../money.ts";
import {
  anyString,
  checkoutAmountNumber,
  checkoutAmountText,
  FIELD_MAX_CHARS,
  requiredString,
  STATUS_SUCCESS,
  tenureOut,
  typeError,
} from "./common.ts";
import { checkoutErrorBodySchema } from "./errors.ts";

// POST /transaction/status ("Check Transaction Status").

export const statusRequestSchema = z.object(
  {
    server_key: requiredString(FIELD_MAX_CHARS.key),
    transaction_id: requiredString(FIELD_MAX_CHARS.key),
  },
  { error: typeError("object") },
);
export type StatusRequest = z.output<typeof statusRequestSchema>;

/** trx_status words, spelled as the seed does ("Aborted by User" included, spaces and capitals). */
export const TRX_STATUSES = [
  "settlement",
  "pending",
  "denied",
  "cancel",
  "failed",
  "expired",
  "Aborted by User",
] as const;
export type TrxStatus = (typeof TRX_STATUSES)[number];

/**
 * One line of the items breakdown. sku / sku_type / category are Kredivo's classification, not the
 * merchant's init ids: the example shows sku "items" with sku_type 0 (a product, category = its type),
 * "shipping_fee" with 1 (category null) and "platform_fee" with 2 (category "Fees"). unit_price and
 * total_amount are "1900000.0"-style strings; total_amount = unit_price × quantity.
 */
export const statusItemSchema = z
  .strictObject({
    name: z.string(),
    unit_price: checkoutAmountText,
    total_amount: checkoutAmountText,
    quantity: z.number().int().min(1),
    sku: z.string().min(1),
    sku_type: z.number().int().nonnegative(),
    category: z.string().nullable(),
  })
  .refine((i) => wholeVnd(i.unit_price) * BigInt(i.quantity) === wholeVnd(i.total_amount), {
    path: ["total_amount"],
    error: "must_equal_unit_price_times_quantity",
  });

// checkoutAmountText is always "<digits>.0" for VND.
function wholeVnd(text: string): bigint {
  return BigInt(text.slice(0, -2));
}
export type StatusItem = z.output<typeof statusItemSchema>;

/**
 * checkout_amount is typed Double and shown as the bare JSON number `4000000.0` (not a string, unlike the
 * push and update amounts): emit it as a JsonNumberText from renderCheckoutAmountAsNumber so the ".0" survives.
 */
export const statusSuccessResponseSchema = z.strictObject({
  status: z.literal(STATUS_SUCCESS),
  message: anyString(),
  order_id: z.string().min(1),
  checkout_amount: checkoutAmountNumber,
  tenure: tenureOut,
  items: z.array(statusItemSchema),
  trx_status: z.enum(TRX_STATUSES),
});
export type StatusSuccessResponse = z.output<typeof statusSuccessResponseSchema>;

export const statusResponseSchema = z.union([statusSuccessResponseSchema, checkoutErrorBodySchema]);

// --------------------------------------------------------------------------------------- seed examples

export const statusRequestExample = {
  server_key: "8tLHIx8V0N6KtnSpS9Nbd6zROFFJH7",
  transaction_id: "7401e873-ea77-455e-9f31-4ca2268304dc",
} satisfies z.input<typeof statusRequestSchema>;

/** Verbatim; JSON.stringify of it prints `"checkout_amount":4000000.0` exactly as the seed. */
export const statusResponseExample = {
  status: 1,
  message: "Success",
  order_id: "K12345",
  checkout_amount: new JsonNumberText("4000000.0"),
  tenure: 1,
  items: [
    {
      name: "Máy lọc không khí",
      unit_price: "1900000.0",
      total_amount: "3800000.0",
      quantity: 2,
      sku: "items",
      sku_type: 0,
      category: "Smartphone1",
    },
    {
      name: "Shipping_Fee",
      unit_price: "200000.0",
      total_amount: "200000.0",
      quantity: 1,
      sku: "shipping_fee",
      sku_type: 1,
      category: null,
    },
    {
      name: "Platform Fee",
      unit_price: "40000.0",
      total_amount: "40000.0",
      quantity: 1,
      sku: "platform_fee",
      sku_type: 2,
      category: "Fees",
    },
  ],
  trx_status: "settlement",
} satisfies z.input<typeof statusSuccessResponseSchema>;
