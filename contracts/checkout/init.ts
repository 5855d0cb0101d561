import { z } from "zod";
import { type Money, money } from "../money.ts";
import {
  ARRAY_MAX_ENTRIES,
  anyString,
  boundedArray,
  CHECKOUT_CURRENCY,
  emailAddress,
  FIELD_MAX_CHARS,
  httpUrl,
  ipAddress,
  optional,
  optionalString,
  positiveVndAmount,
  requiredString,
  STATUS_SUCCESS,
  tenureField,
  typeError,
  vndAmount,
} from "./common.ts";
import { checkoutErrorBodySchema } from "./errors.ts";
import { jsonInt } from "./json-int.ts";

// POST /checkout/init (seed 001: "2-click Checkout", "Initiate 0-click Checkout", "Initiate Offline Checkout").
// One endpoint, two request shapes told apart by `source`: "ecom" (2-click, and 0-click when the merchant
// also sends client_user_key / user_token / tokenize_user) and "offline" (QR checkout with a dealer_code).
// The field names are the seed's flat ones (tenure, amount, order_id, items, buyers, shipping_addresses,
// push_url, back_to_store_url, ...); there is no payment_type / transaction_details / customer_details.

// --------------------------------------------------------------------------------------------------- items

/** Item ids the seed reserves for fees and adjustments; such items need no `type` or `url`. */
export const FEE_ITEM_IDS = [
  "shippingfee",
  "adminfee",
  "taxfee",
  "discount",
  "discount_sku",
  "additionalfee",
  "insurancefee",
  "mixpayment",
  "downpayment",
  "downpayment_sku",
] as const;
export type FeeItemId = (typeof FEE_ITEM_IDS)[number];

/**
 * Reserved ids whose price is taken off the total rather than added. The seed's examples send them with a
 * positive price and subtract it (6000000 + 2×250000 + 1000 + 9000 − 5000 = 6505000; offline 1500000 −
 * 200000 + 100000 = 1400000). mixpayment (the part paid by another method) is read the same way.
 */
export const DEDUCTION_ITEM_IDS = [
  "discount",
  "discount_sku",
  "mixpayment",
  "downpayment",
  "downpayment_sku",
] as const satisfies readonly FeeItemId[];

/** Reserved ids are matched case-insensitively: the seed's own offline example sends "downpayment_SKU". */
export function feeItemId(id: string): FeeItemId | undefined {
  const lower = id.toLowerCase();
  return FEE_ITEM_IDS.find((f) => f === lower);
}

export function isDeductionItemId(id: string): boolean {
  const fee = feeItemId(id);
  return fee !== undefined && (DEDUCTION_ITEM_IDS as readonly string[]).includes(fee);
}

/**
 * An item. Products need id, name, price, type, url, quantity (all "Required" in the seed). Reserved fee
 * ids need only id, name, price, quantity. Prices: a product or a fee may not be negative; a deduction
 * (discount, downpayment, mixpayment) may be sent with either sign and is always subtracted by its magnitude,
 * because the seed sends it positive but merchants porting from APIs that want negative discounts send it
 * negative. parent_type / parent_id appear in the seed's example (a fee belonging to a seller) without a
 * table row, so they are optional.
 */
export const initItemSchema = z
  .object(
    {
      id: requiredString(FIELD_MAX_CHARS.id),
      name: requiredString(FIELD_MAX_CHARS.name),
      price: vndAmount({ allowNegative: true }),
      type: optionalString(FIELD_MAX_CHARS.name),
      url: optionalString(FIELD_MAX_CHARS.url),
      quantity: jsonInt({ min: 1 }),
      image_url: optionalString(FIELD_MAX_CHARS.url),
      parent_type: optionalString(FIELD_MAX_CHARS.name),
      parent_id: optionalString(FIELD_MAX_CHARS.id),
    },
    { error: typeError("object") },
  )
  .superRefine((item, ctx) => {
    const fee = feeItemId(item.id);
    if (fee === undefined) {
      for (const key of ["type", "url"] as const) {
        const v = item[key];
        if (v === undefined || v === "") {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: v === undefined ? "required" : "must_not_be_empty",
          });
        }
      }
    }
    if (item.price.amountMinor < 0n && !isDeductionItemId(item.id)) {
      ctx.addIssue({ code: "custom", path: ["price"], message: "amount_must_not_be_negative" });
    }
  });
export type InitItem = z.output<typeof initItemSchema>;

/**
 * Σ price × quantity of the items with deductions subtracted: what `amount` should equal. Not enforced by the
 * schema (the seed's 1002 "invalid amount" is a business rule the gateway applies with this function).
 */
export function itemsTotal(items: readonly Pick<InitItem, "id" | "price" | "quantity">[]): Money {
  let total = 0n;
  for (const item of items) {
    const magnitude = item.price.amountMinor < 0n ? -item.price.amountMinor : item.price.amountMinor;
    const line = (isDeductionItemId(item.id) ? -magnitude : item.price.amountMinor) * BigInt(item.quantity);
    total += line;
  }
  return money(total, CHECKOUT_CURRENCY);
}

// --------------------------------------------------------------------------------- sellers, buyers, address

const addressFields = {
  name: requiredString(FIELD_MAX_CHARS.name),
  address: requiredString(FIELD_MAX_CHARS.address),
  province: requiredString(FIELD_MAX_CHARS.address),
  district: requiredString(FIELD_MAX_CHARS.address),
  ward: requiredString(FIELD_MAX_CHARS.address),
};

/** Address of a shipment: every field Required, mobile_number included. */
export const initAddressSchema = z.object(
  { ...addressFields, mobile_number: requiredString(FIELD_MAX_CHARS.mobileNumber) },
  { error: typeError("object") },
);

/**
 * A seller's address_detail. The Address table marks mobile_number Required, but the seed's own sellers
 * omit it there (the seller carries its own mobile_number), so it is optional here.
 */
export const initSellerAddressSchema = z.object(
  { ...addressFields, mobile_number: optionalString(FIELD_MAX_CHARS.mobileNumber) },
  { error: typeError("object") },
);

export const initSellerSchema = z.object(
  {
    id: requiredString(FIELD_MAX_CHARS.id),
    name: requiredString(FIELD_MAX_CHARS.name),
    email: emailAddress(),
    url: requiredString(FIELD_MAX_CHARS.url),
    mobile_number: optionalString(FIELD_MAX_CHARS.mobileNumber),
    address_detail: initSellerAddressSchema,
  },
  { error: typeError("object") },
);

/** The seed gives phone numbers no format and their spellings vary ("+84-983123456"): bounded free text. */
export const initBuyerSchema = z.object(
  {
    name: requiredString(FIELD_MAX_CHARS.name),
    email: emailAddress(),
    mobile_number: requiredString(FIELD_MAX_CHARS.mobileNumber),
  },
  { error: typeError("object") },
);

/**
 * shipping_addresses: the table types it Object, the examples send an array of one. Both are accepted and
 * the output is always an array. Required for source "ecom": the seed's table marks it "Required." (its
 * "for goods (excluding ticket/voucher)" cannot be applied, since nothing in the request tells goods from
 * tickets, so a merchant selling vouchers sends the buyer's address).
 */
const shippingAddresses = z.preprocess(
  (v) => (v !== null && typeof v === "object" && !Array.isArray(v) ? [v] : v),
  boundedArray(initAddressSchema, ARRAY_MAX_ENTRIES.shippingAddresses),
);

// ------------------------------------------------------------------------------------------------ requests

/** 9999-12-31T23:59:59Z: the latest epoch second a date can carry in ISO 8601's four-digit years. */
export const MAX_EPOCH_SECONDS = 253_402_300_799;

const commonInitFields = {
  server_key: requiredString(FIELD_MAX_CHARS.key),
  tenure: tenureField(),
  amount: positiveVndAmount(),
  order_id: requiredString(FIELD_MAX_CHARS.id),
  items: boundedArray(initItemSchema, ARRAY_MAX_ENTRIES.items),
  buyers: boundedArray(initBuyerSchema, ARRAY_MAX_ENTRIES.buyers),
  push_url: httpUrl(),
  back_to_store_url: httpUrl(),
};

/**
 * source "ecom": 2-click checkout, and 0-click when client_user_key + user_token (or tokenize_user) are sent.
 * `items` has no "Required." marker in the top-level table but every item field is Required and the amount
 * is checked against them, so at least one item is required. The prose says `tokenizer_user`, the table
 * `tokenize_user`; both are accepted (use wantsTokenization()).
 */
export const initEcomRequestSchema = z
  .object(
    {
      ...commonInitFields,
      source: z.literal("ecom", { error: typeError("string") }),
      sellers: optional(
        z
          .array(initSellerSchema, { error: typeError("array") })
          .max(ARRAY_MAX_ENTRIES.sellers, { error: `too_many:max_${ARRAY_MAX_ENTRIES.sellers}_entries` }),
      ),
      shipping_addresses: shippingAddresses,
      cancel_url: optional(httpUrl()),
      ip_address: optional(ipAddress()),
      user_agent: optionalString(FIELD_MAX_CHARS.userAgent),
      device_id: optionalString(FIELD_MAX_CHARS.device),
      imsi: optionalString(FIELD_MAX_CHARS.device),
      // 0-click
      tokenize_user: optional(z.boolean({ error: typeError("boolean") })),
      tokenizer_user: optional(z.boolean({ error: typeError("boolean") })),
      client_user_key: optionalString(FIELD_MAX_CHARS.key),
      user_token: optionalString(FIELD_MAX_CHARS.key),
    },
    { error: typeError("object") },
  )
  .superRefine((req, ctx) => {
    // "You must send this information when tokenize new users or when initiating 0-click transactions."
    const zeroClick =
      req.user_token !== undefined || req.tokenize_user === true || req.tokenizer_user === true;
    if (zeroClick && (req.client_user_key === undefined || req.client_user_key === "")) {
      ctx.addIssue({ code: "custom", path: ["client_user_key"], message: "required_for_0_click" });
    }
  });
export type InitEcomRequest = z.output<typeof initEcomRequestSchema>;

export function wantsTokenization(req: Pick<InitEcomRequest, "tokenize_user" | "tokenizer_user">): boolean {
  return req.tokenize_user === true || req.tokenizer_user === true;
}

/**
 * source "offline": a QR checkout at a sub-merchant. dealer_code is not in the offline table but the prose
 * requires it ("You will need a dealer_code ... to initiate an offline checkout") and 1002 covers an invalid
 * one. metadata: "Any valid JSON object".
 */
export const initOfflineRequestSchema = z.object(
  {
    ...commonInitFields,
    source: z.literal("offline", { error: typeError("string") }),
    dealer_code: requiredString(FIELD_MAX_CHARS.id),
    // Epoch seconds; at most the last second of year 9999, so every accepted value is a date.
    expiry_time: optional(jsonInt({ min: 0, max: MAX_EPOCH_SECONDS })),
    metadata: optional(
      z
        .record(z.string(), z.unknown(), { error: typeError("object") })
        .refine((metadata) => JSON.stringify(metadata).length <= FIELD_MAX_CHARS.metadata, {
          error: `too_large:max_${FIELD_MAX_CHARS.metadata}_characters_as_json`,
        }),
    ),
  },
  { error: typeError("object") },
);
export type InitOfflineRequest = z.output<typeof initOfflineRequestSchema>;

export const initRequestSchema = z.discriminatedUnion(
  "source",
  [initEcomRequestSchema, initOfflineRequestSchema],
  {
    error: (iss) => {
      if (iss.code !== "invalid_union") return undefined;
      const body = iss.input;
      const missing =
        body !== null && typeof body === "object" && (body as { source?: unknown }).source === undefined;
      return missing ? "required" : "must_be_one_of:ecom|offline";
    },
  },
);
export type InitRequest = z.output<typeof initRequestSchema>;

// ----------------------------------------------------------------------------------------------- responses

/**
 * Positive ecom response. The response table names `redirect_url`, but every example sends `checkout_url`,
 * which is what merchants read. `"code": 2007` is added on 0-click when the transaction can be tokenized.
 */
export const initSuccessResponseSchema = z.strictObject({
  status: z.literal(STATUS_SUCCESS),
  message: anyString(),
  checkout_url: z.url({ protocol: /^https?$/ }),
  transaction_id: requiredString(FIELD_MAX_CHARS.key),
  code: z.literal(2007).optional(),
});

export const initOfflineSuccessResponseSchema = z.strictObject({
  status: z.literal(STATUS_SUCCESS),
  message: anyString(),
  transaction_id: requiredString(FIELD_MAX_CHARS.key),
  qr_link: z.url({ protocol: /^https?$/ }),
});

/** Negative responses use the one Checkout API error envelope, `{"status": <code>, "message": ...}`. */
export const initErrorResponseSchema = checkoutErrorBodySchema;

export const initResponseSchema = z.union([
  initSuccessResponseSchema,
  initOfflineSuccessResponseSchema,
  initErrorResponseSchema,
]);

// --------------------------------------------------------------------------------------- seed examples

/** The seed's 2-click request, verbatim. */
export const initExample = {
  server_key: "MEJ4FLRc74UU64cxCF8Z3HYSpPctD7",
  tenure: 1,
  amount: 6505000,
  order_id: "KD14721",
  source: "ecom",
  items: [
    {
      id: "BB12345678",
      name: "iPhone 5S",
      price: 6000000,
      type: "Smartphone",
      url: "http://merchant.com/cellphones/iphone5s_64g",
      quantity: 1,
    },
    {
      id: "AZ14565678",
      name: "Hailee Sneakers Blink Silver",
      price: 250000,
      url: "http://merchant.com/fashion/shoes/sneakers-blink-shoes",
      type: "Sneakers",
      quantity: 2,
    },
    {
      id: "taxfee",
      name: "Tax Fee",
      price: 1000,
      quantity: 1,
    },
    {
      id: "shippingfee",
      name: "Shipping Fee",
      price: 9000,
      quantity: 1,
      parent_type: "SELLER",
      parent_id: "SELLER456",
    },
    {
      id: "discount",
      name: "Discount",
      price: 5000,
      quantity: 1,
    },
  ],
  sellers: [
    {
      id: "SELLER123",
      name: "Sunrise",
      email: "sunrise@gmail.com",
      url: "https://onlineshop/seller/sunrise",
      mobile_number: "+84-123456789",
      address_detail: {
        name: "Ngo Thuy Duong",
        address: "180 Bui Thi Xuan",
        province: "ho chi minh",
        district: "Phu Nhuan",
        ward: "3",
      },
    },
    {
      id: "SELLER456",
      name: "Sunshine",
      email: "sunshine@gmail.com",
      url: "https://onlineshop/seller/sunshine",
      mobile_number: "+84-987654321",
      address_detail: {
        name: "Ngo Anh Tuan ",
        address: "180 Ly Tu Trong",
        province: "ho chi minh",
        district: "Phu Nhuan",
        ward: "Vo Thi Sau",
      },
    },
  ],
  buyers: [
    {
      name: "Nguyen Van Long",
      email: "long123@gmail.com",
      mobile_number: "+84-983123456",
    },
  ],
  shipping_addresses: [
    {
      name: "Nguyen Van Long",
      address: "100 Nguyen Tu Luc",
      province: "Ho Chi Minh",
      district: "Tan Binh",
      ward: "5",
      mobile_number: "+84-983123456",
    },
  ],
  push_url: "https://pushurlofmerchant.com",
  back_to_store_url: "https://successtransaction.com",
  cancel_url: "https://cancel.com",
  ip_address: "123.23.24.11",
  user_agent:
    "Mozilla/5.0 (Linux; Android 8.0.0; SM-G960F Build/R16NW) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/62.0.3202.84 Mobile Safari/537.36",
  device_id: "samsung",
} satisfies z.input<typeof initEcomRequestSchema>;

/** The seed's 0-click request: the 2-click one plus client_user_key and user_token (same key order). */
export const initZeroClickExample = {
  server_key: "MEJ4FLRc74UU64cxCF8Z3HYSpPctD7",
  tenure: 1,
  client_user_key: "useremail@gmail.com",
  user_token: "XXXX-XXXX",
  amount: 6505000,
  order_id: "KD14721",
  source: "ecom",
  items: initExample.items,
  sellers: initExample.sellers,
  buyers: initExample.buyers,
  shipping_addresses: initExample.shipping_addresses,
  push_url: "https://pushurlofmerchant.com",
  back_to_store_url: "https://successtransaction.com",
  cancel_url: "https://cancel.com",
  ip_address: "123.23.24.11",
  user_agent:
    "Mozilla/5.0 (Linux; Android 8.0.0; SM-G960F Build/R16NW) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/62.0.3202.84 Mobile Safari/537.36",
  device_id: "samsung",
} satisfies z.input<typeof initEcomRequestSchema>;

/** The seed's offline request, verbatim (including the leading space in back_to_store_url). */
export const initOfflineExample = {
  server_key: "MEJ4FLRc74UU64cxCF8Z3HYSpPctD7",
  dealer_code: "SF241290",
  tenure: 1,
  expiry_time: 1708489655,
  amount: 1400000,
  source: "offline",
  order_id: "KD14723",
  items: [
    {
      id: "items",
      name: "Xiaomi pocophone",
      price: 1500000,
      type: "Smartphone",
      quantity: 1,
      url: "https://tokopedia.com/barang/anu",
    },
    {
      id: "downpayment_SKU",
      name: "Down Payment",
      price: 200000,
      quantity: 1,
    },
    {
      id: "item_001",
      name: "Xiaomi pocophone",
      price: 100000,
      type: "Smartphone",
      quantity: 1,
      url: "https://tokopedia.com/barang/anu",
    },
  ],
  buyers: [
    {
      name: "Pete Hamill",
      email: "Morton3@gmail.com",
      mobile_number: "+84-987668348",
    },
  ],
  push_url: "https://api-staging-vn.kredivo.com/healthcheck",
  back_to_store_url: " https://api-staging-vn.kredivo.com",
  metadata: {},
} satisfies z.input<typeof initOfflineRequestSchema>;

export const initSuccessResponseExample = {
  status: 1,
  message: "Success",
  checkout_url: "https://pay-vn-sandbox.kredivo.com/signIn?tk=c94c431-ab34-1234",
  transaction_id: "c01ec51e-9322-4545-aba5-c0f5eae671fc",
} satisfies z.input<typeof initSuccessResponseSchema>;

export const initErrorResponseExample = {
  status: 2012,
  message: "Invalid Merchant",
} satisfies z.input<typeof initErrorResponseSchema>;

/** 0-click positive response: "Code 2007 indicate transaction valid for tokenization". */
export const initZeroClickTokenizableResponseExample = {
  status: 1,
  message: "This transaction is ready for tokenization",
  checkout_url: "https://pay-vn-staging.kredivo.com/signIn?tk=30ce9850-db4d-4742-9f12-e2a32a03bb5",
  transaction_id: "30ce9850-db4d-4742-9f12-e2a22ad03bb5",
  code: 2007,
} satisfies z.input<typeof initSuccessResponseSchema>;

/** 0-click neutral response: not valid for tokenization, the user can still use the 2-click link. */
export const initZeroClickNeutralResponseExample = {
  status: 1,
  message: "Success",
  checkout_url: "https://pay-vn-staging.kredivo.com/signIn?tk=e8c186c6-9221-4175-a6-4745783c",
  transaction_id: "e8c186c6-9221-4175-a4b6-4745bb783c",
} satisfies z.input<typeof initSuccessResponseSchema>;

export const initOfflineSuccessResponseExample = {
  status: 1,
  message: "Success",
  transaction_id: "e54af0b0-ee15-4267-8536-ccb8a9f21ab5",
  qr_link:
    "https://finaccel-api-vietnam-staging.s3.amazonaws.com/offline_transaction/documents/qr_image/offline_qr_99713.png",
} satisfies z.input<typeof initOfflineSuccessResponseSchema>;

export const initOfflineErrorResponseExamples = [
  { status: 2012, message: "Invalid Merchant" },
  { status: 1002, message: "Bad request, please check your request." },
] satisfies z.input<typeof initErrorResponseSchema>[];
