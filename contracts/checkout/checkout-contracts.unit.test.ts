import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { JsonNumberText, parseJsonPreservingNumbers, renderCheckoutAmount } from "../money.ts";
import {
  CHECKOUT_ENDPOINT_CODES,
  CHECKOUT_ERROR_CATALOGUE,
  CHECKOUT_FAILURE_CODES,
  CHECKOUT_MOUNT,
  CHECKOUT_ROUTES,
  calculatorRequestExample,
  calculatorRequestSchema,
  calculatorResponseExample,
  calculatorResponseSchema,
  calculatorSuccessResponseSchema,
  cancelErrorResponseExample,
  cancelRequestExample,
  cancelRequestSchema,
  cancelResponseExample,
  cancelResponseSchema,
  checkoutError,
  checkoutErrorBodySchema,
  checkoutErrorFromZod,
  describeFirstIssue,
  initErrorResponseExample,
  initExample,
  initOfflineErrorResponseExamples,
  initOfflineExample,
  initOfflineSuccessResponseExample,
  initRequestSchema,
  initResponseSchema,
  initSuccessResponseExample,
  initZeroClickExample,
  initZeroClickNeutralResponseExample,
  initZeroClickTokenizableResponseExample,
  itemsTotal,
  jsonInt,
  pushExample,
  pushOfflineExample,
  pushReplyExample,
  statusRequestExample,
  statusRequestSchema,
  statusResponseExample,
  statusResponseSchema,
  tokenizationPushFailedExample,
  tokenizationPushReplySchema,
  tokenizationPushSchema,
  tokenizationPushSuccessExample,
  transactionPushReplySchema,
  transactionPushSchema,
  updateOfflineResponseExample,
  updateRequestExample,
  updateRequestSchema,
  updateResponseExample,
  updateResponseSchema,
  updateZeroClickResponseExample,
  wantsTokenization,
} from "./index.ts";

type AnySchema = z.ZodType;

// Every seed example with the schema it must satisfy.
const EXAMPLES: [string, AnySchema, unknown][] = [
  ["init 2-click request", initRequestSchema, initExample],
  ["init 0-click request", initRequestSchema, initZeroClickExample],
  ["init offline request", initRequestSchema, initOfflineExample],
  ["init success response", initResponseSchema, initSuccessResponseExample],
  ["init error response", initResponseSchema, initErrorResponseExample],
  ["init 0-click tokenizable response", initResponseSchema, initZeroClickTokenizableResponseExample],
  ["init 0-click neutral response", initResponseSchema, initZeroClickNeutralResponseExample],
  ["init offline success response", initResponseSchema, initOfflineSuccessResponseExample],
  ...initOfflineErrorResponseExamples.map((e, i): [string, AnySchema, unknown] => [
    `init offline error response ${i}`,
    initResponseSchema,
    e,
  ]),
  ["update request", updateRequestSchema, updateRequestExample],
  ["update response", updateResponseSchema, updateResponseExample],
  ["update 0-click response", updateResponseSchema, updateZeroClickResponseExample],
  ["update offline response", updateResponseSchema, updateOfflineResponseExample],
  ["status request", statusRequestSchema, statusRequestExample],
  ["status response", statusResponseSchema, statusResponseExample],
  ["push", transactionPushSchema, pushExample],
  ["push offline", transactionPushSchema, pushOfflineExample],
  ["push merchant reply", transactionPushReplySchema, pushReplyExample],
  ["tokenization push success", tokenizationPushSchema, tokenizationPushSuccessExample],
  ["tokenization push failed", tokenizationPushSchema, tokenizationPushFailedExample],
  ["cancel request", cancelRequestSchema, cancelRequestExample],
  ["cancel response", cancelResponseSchema, cancelResponseExample],
  ["cancel error response", cancelResponseSchema, cancelErrorResponseExample],
  ["calculator request", calculatorRequestSchema, calculatorRequestExample],
  ["calculator response", calculatorResponseSchema, calculatorResponseExample],
];

function firstIssue(schema: AnySchema, input: unknown): string {
  const r = schema.safeParse(input);
  if (r.success) throw new Error(`expected rejection, parsed ${JSON.stringify(r.data, replacer)}`);
  return describeFirstIssue(r.error);
}

function replacer(_k: string, v: unknown): unknown {
  return typeof v === "bigint" ? `${v}n` : v;
}

// Deep copy that keeps JsonNumberText instances (structuredClone would turn them into plain objects).
function copy<T>(value: T): T {
  return parseJsonPreservingNumbers(JSON.stringify(value)) as T;
}

function without(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = obj;
  return rest;
}

describe("seed examples", () => {
  it.each(EXAMPLES)("%s parses with its schema", (_name, schema, example) => {
    const r = schema.safeParse(example);
    expect(r.success, r.success ? "" : describeFirstIssue(r.error)).toBe(true);
  });

  it.each(EXAMPLES)(
    "%s still parses after a round trip through the wire JSON parser",
    (_name, schema, example) => {
      const r = schema.safeParse(parseJsonPreservingNumbers(JSON.stringify(example)));
      expect(r.success, r.success ? "" : describeFirstIssue(r.error)).toBe(true);
    },
  );

  it("reads init amounts exactly as bigint VND and the items add up to the amount", () => {
    for (const example of [initExample, initZeroClickExample, initOfflineExample]) {
      const req = initRequestSchema.parse(example);
      expect(req.amount).toEqual({ amountMinor: BigInt(example.amount), currency: "VND" });
      expect(itemsTotal(req.items)).toEqual(req.amount);
    }
  });

  it("keeps the status response's checkout_amount as the seed's bare 4000000.0", () => {
    expect(JSON.stringify(statusResponseExample)).toContain('"checkout_amount":4000000.0,');
  });

  it("renders response amounts in the seed's format", () => {
    expect(renderCheckoutAmount({ amountMinor: 1000000n, currency: "VND" })).toBe(pushExample.amount);
  });

  it("normalises the offline example's padded back_to_store_url and the shipping_addresses object form", () => {
    const offline = initRequestSchema.parse(initOfflineExample);
    expect(offline.back_to_store_url).toBe("https://api-staging-vn.kredivo.com");
    const single = initRequestSchema.parse({
      ...initExample,
      shipping_addresses: initExample.shipping_addresses[0],
    });
    expect(single.source === "ecom" && single.shipping_addresses).toHaveLength(1);
  });

  it("treats the 0-click example as 0-click and the 2-click one as not tokenizing", () => {
    const zero = initRequestSchema.parse(initZeroClickExample);
    expect(zero.source === "ecom" && zero.user_token).toBe("XXXX-XXXX");
    const two = initRequestSchema.parse(initExample);
    expect(two.source === "ecom" && wantsTokenization(two)).toBe(false);
    const legacy = initRequestSchema.parse({ ...initZeroClickExample, tokenizer_user: true });
    expect(legacy.source === "ecom" && wantsTokenization(legacy)).toBe(true);
  });
});

describe("missing required fields are rejected, naming the field", () => {
  const initRequired = [
    "server_key",
    "tenure",
    "amount",
    "order_id",
    "source",
    "items",
    "buyers",
    "push_url",
    "back_to_store_url",
  ];
  it.each([...initRequired, "shipping_addresses"])("init 2-click without %s", (field) => {
    expect(firstIssue(initRequestSchema, without(initExample, field))).toBe(`${field}: required`);
  });

  it.each([null, [], "100 Nguyen Tu Luc"])("init 2-click with shipping_addresses %j", (value) => {
    const issue = firstIssue(initRequestSchema, { ...initExample, shipping_addresses: value });
    expect(issue).toMatch(/^shipping_addresses: (expected_array|must_not_be_empty)$/);
  });

  it.each([...initRequired.filter((f) => f !== "source"), "dealer_code"])(
    "init offline without %s",
    (field) => {
      expect(firstIssue(initRequestSchema, without(initOfflineExample, field))).toBe(`${field}: required`);
    },
  );

  it("accepts init without the optional fields", () => {
    let body: Record<string, unknown> = initExample;
    for (const f of ["sellers", "cancel_url", "ip_address", "user_agent", "device_id"]) {
      body = without(body, f);
    }
    expect(initRequestSchema.safeParse(body).success).toBe(true);
    expect(initRequestSchema.safeParse({ ...initExample, cancel_url: null, imsi: null }).success).toBe(true);
  });

  it.each(["id", "name", "price", "quantity", "type", "url"])("a product item without %s", (field) => {
    const body = copy(initExample);
    body.items[0] = without(body.items[0]!, field) as (typeof body.items)[0];
    expect(firstIssue(initRequestSchema, body)).toBe(`items[0].${field}: required`);
  });

  it("fee items need no type or url", () => {
    const body = copy(initExample);
    expect(body.items[2]).not.toHaveProperty("type");
    expect(initRequestSchema.safeParse(body).success).toBe(true);
  });

  it.each(["name", "address", "province", "district", "ward"])(
    "a seller address_detail without %s",
    (field) => {
      const body = copy(initExample);
      body.sellers[1]!.address_detail = without(body.sellers[1]!.address_detail, field) as never;
      expect(firstIssue(initRequestSchema, body)).toBe(`sellers[1].address_detail.${field}: required`);
    },
  );

  it.each(["name", "address", "province", "district", "ward", "mobile_number"])(
    "a shipping address without %s",
    (field) => {
      const body = copy(initExample);
      body.shipping_addresses[0] = without(body.shipping_addresses[0]!, field) as never;
      expect(firstIssue(initRequestSchema, body)).toBe(`shipping_addresses[0].${field}: required`);
    },
  );

  it.each(["name", "email", "mobile_number"])("a buyer without %s", (field) => {
    const body = copy(initExample);
    body.buyers[0] = without(body.buyers[0]!, field) as never;
    expect(firstIssue(initRequestSchema, body)).toBe(`buyers[0].${field}: required`);
  });

  it("0-click needs client_user_key", () => {
    expect(firstIssue(initRequestSchema, without(initZeroClickExample, "client_user_key"))).toBe(
      "client_user_key: required_for_0_click",
    );
  });

  it.each(["signature_key", "transaction_id", "status"])("update without %s", (field) => {
    expect(firstIssue(updateRequestSchema, without(updateRequestExample, field))).toBe(`${field}: required`);
  });

  it.each(["server_key", "transaction_id"])("status without %s", (field) => {
    expect(firstIssue(statusRequestSchema, without(statusRequestExample, field))).toBe(`${field}: required`);
  });

  it.each(["transaction_id", "server_key", "reason", "cancelled_by", "order_id"])(
    "cancel without %s",
    (field) => {
      expect(firstIssue(cancelRequestSchema, without(cancelRequestExample, field))).toBe(
        `${field}: required`,
      );
    },
  );

  it("cancel without amount is a full cancellation", () => {
    expect(cancelRequestSchema.parse(without(cancelRequestExample, "amount")).amount).toBeUndefined();
  });

  it.each(["tenure", "amount", "source", "server_key"])("calculator without %s", (field) => {
    expect(firstIssue(calculatorRequestSchema, without(calculatorRequestExample, field))).toBe(
      `${field}: required`,
    );
  });
});

describe("field validation says which field and why", () => {
  it("rejects a price with decimals VND does not have", () => {
    const body = copy(initExample);
    (body.items[0] as { price: unknown }).price = new JsonNumberText("6000000.5");
    expect(firstIssue(initRequestSchema, body)).toBe("items[0].price: amount_has_too_many_decimals");
  });

  it("accepts 6000000.0 and 1.0 as written by double-based clients", () => {
    const text = JSON.stringify(initExample)
      .replace('"price":6000000,', '"price":6000000.0,')
      .replace('"quantity":2', '"quantity":2.0');
    const req = initRequestSchema.parse(parseJsonPreservingNumbers(text));
    expect(req.items[0]?.price.amountMinor).toBe(6000000n);
    expect(req.items[1]?.quantity).toBe(2);
  });

  it("rejects a fractional quantity and an unknown tenure", () => {
    const body = copy(initExample);
    (body.items[1] as { quantity: unknown }).quantity = new JsonNumberText("1.5");
    expect(firstIssue(initRequestSchema, body)).toBe("items[1].quantity: must_be_an_integer");
    expect(firstIssue(initRequestSchema, { ...initExample, tenure: 2 })).toBe(
      "tenure: must_be_one_of:1|3|6|12",
    );
    expect(firstIssue(initRequestSchema, { ...initExample, tenure: "1" })).toBe("tenure: expected_integer");
  });

  it("lets deductions carry either sign but not products or fees", () => {
    const body = copy(initExample);
    (body.items[4] as { price: unknown }).price = -5000;
    const req = initRequestSchema.parse(body);
    expect(itemsTotal(req.items)).toEqual(req.amount);
    (body.items[0] as { price: unknown }).price = -1;
    expect(firstIssue(initRequestSchema, body)).toBe("items[0].price: amount_must_not_be_negative");
  });

  it("rejects a non-positive amount, a bad source, a non-http push_url and a wrong body type", () => {
    expect(firstIssue(initRequestSchema, { ...initExample, amount: 0 })).toBe(
      "amount: amount_must_be_positive",
    );
    expect(firstIssue(initRequestSchema, { ...initExample, source: "pos" })).toBe(
      "source: must_be_one_of:ecom|offline",
    );
    expect(firstIssue(initRequestSchema, { ...initExample, push_url: "ftp://x" })).toBe(
      "push_url: must_be_an_http_url",
    );
    expect(firstIssue(initRequestSchema, [])).toBe("body: expected_object");
    expect(firstIssue(initRequestSchema, { ...initExample, items: [] })).toBe("items: must_not_be_empty");
    expect(firstIssue(initRequestSchema, { ...initExample, order_id: 5 })).toBe("order_id: expected_string");
    expect(firstIssue(updateRequestSchema, { ...updateRequestExample, status: "settlement" })).toBe(
      "status: must_be_one_of:settled|failed",
    );
  });

  it("ignores unknown request fields", () => {
    const req = initRequestSchema.parse({ ...initExample, payment_type: "30_days" });
    expect(req).not.toHaveProperty("payment_type");
  });

  it("rejects extra fields in what we emit", () => {
    expect(transactionPushSchema.safeParse({ ...pushExample, extra: 1 }).success).toBe(false);
    expect(calculatorSuccessResponseSchema.safeParse({ ...calculatorResponseExample, "2": {} }).success).toBe(
      false,
    );
  });

  it("jsonInt handles exponents, -0 and unsafe magnitudes", () => {
    const s = jsonInt();
    expect(s.parse(new JsonNumberText("1e2"))).toBe(100);
    expect(s.parse(new JsonNumberText("-0.0"))).toBe(0);
    expect(s.safeParse(new JsonNumberText("9007199254740993")).success).toBe(false);
    expect(s.safeParse(new JsonNumberText("1e999999999")).success).toBe(false);
    expect(s.safeParse(1.5).success).toBe(false);
  });
});

describe("error catalogue", () => {
  const SEED_CODES = [
    1, 1002, 2001, 2007, 2009, 2011, 2012, 2013, 2015, 2016, 2017, 2018, 2030, 2043, 2046, 9100, 9200, 9999,
  ];

  it("holds every code the seed lists, and besides them only 9429 (ours: too many bad server_keys)", () => {
    const listed = CHECKOUT_ERROR_CATALOGUE.filter((e) => e.seedSections.length > 0);
    expect(listed.map((e) => e.code).sort((a, b) => a - b)).toEqual(SEED_CODES);
    const ours = CHECKOUT_ERROR_CATALOGUE.filter((e) => e.seedSections.length === 0);
    expect(ours.map((e) => [e.code, e.httpStatus])).toEqual([[9429, 429]]);
  });

  it("has no duplicate codes", () => {
    const codes = CHECKOUT_ERROR_CATALOGUE.map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it.each(CHECKOUT_ERROR_CATALOGUE.map((e) => [e.code, e] as const))(
    "code %i has a message and meaning",
    (_c, e) => {
      expect(e.message.trim()).not.toBe("");
      expect(e.meaning.trim()).not.toBe("");
      expect([200, 429, 500]).toContain(e.httpStatus);
    },
  );

  it("every endpoint's codes are failure codes of the catalogue", () => {
    for (const { seed, ours } of Object.values(CHECKOUT_ENDPOINT_CODES)) {
      for (const code of [...seed, ...ours]) expect(CHECKOUT_FAILURE_CODES).toContain(code);
    }
  });

  it("builds the seed's envelopes exactly", () => {
    expect(checkoutError(2012)).toEqual({ httpStatus: 200, body: initErrorResponseExample });
    expect(checkoutError(2011).body).toEqual(cancelErrorResponseExample);
    expect(checkoutError(1002).body).toEqual(initOfflineErrorResponseExamples[1]);
    expect(checkoutError(9999).httpStatus).toBe(500);
    expect(checkoutError(2013, undefined, ["t-1", 100, 90500n]).body.message).toBe(
      "Transaction id t-1 amount cancel 100 different with co amount 90500",
    );
    expect(() => checkoutError(2013)).toThrow(TypeError);
    const detailed = checkoutError(1002, "amount: required").body;
    expect(detailed).toEqual({
      status: 1002,
      message: "Bad request, please check your request.",
      error: { message: "amount: required" },
    });
    expect(checkoutErrorBodySchema.safeParse(detailed).success).toBe(true);
  });

  it("maps a schema failure to 1002, and cancel's negative or zero amount to 2011", () => {
    const bad = initRequestSchema.safeParse(without(initExample, "buyers"));
    expect(bad.success || checkoutErrorFromZod(bad.error).body).toEqual({
      status: 1002,
      message: "Bad request, please check your request.",
      error: { message: "buyers: required" },
    });
    const negative = cancelRequestSchema.safeParse({ ...cancelRequestExample, amount: -1 });
    expect(negative.success || checkoutErrorFromZod(negative.error).body).toEqual({
      status: 2011,
      message: "Field amount is negative.",
      error: { message: "amount: amount_is_negative" },
    });
    const zero = cancelRequestSchema.safeParse({ ...cancelRequestExample, amount: 0 });
    expect(zero.success || checkoutErrorFromZod(zero.error).body).toEqual({
      status: 2011,
      message: "Field amount is negative.",
      error: { message: "amount: amount_must_be_positive" },
    });
  });

  it("tokenization push replies use 9100/9200/9999", () => {
    expect(tokenizationPushReplySchema.safeParse({ status: 9100, message: "ok" }).success).toBe(true);
    expect(tokenizationPushReplySchema.safeParse({ status: 1 }).success).toBe(false);
  });
});

describe("routes", () => {
  it("are the seed's paths under /kredivo", () => {
    expect(CHECKOUT_MOUNT + CHECKOUT_ROUTES.init).toBe("/kredivo/checkout/init");
    expect(CHECKOUT_ROUTES.status).toBe("/transaction/status");
  });
});
