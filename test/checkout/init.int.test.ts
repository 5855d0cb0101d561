import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initExample } from "../../contracts/checkout/init.ts";
import { ReadStoreUnavailable } from "../../services/platform/readstore/port.ts";
import { nextOrder, SANDBOX_SERVER_KEY, sampleInit } from "../support/checkout-requests.ts";
import { type CheckoutHarness, PUBLIC_BASE_URL, startCheckoutHarness } from "./harness.ts";

// checkout/init and transaction/status through HTTP on the embedded runtime, and the /kredivo error
// contract: every refusal is the seed's envelope with HTTP 200 and leaves the event log untouched.

const BAD_REQUEST = "Bad request, please check your request.";

let h: CheckoutHarness;

beforeAll(async () => {
  h = await startCheckoutHarness();
});
afterAll(async () => {
  await h?.close();
});

/** Sends the request and asserts a 1002 with `detail`, HTTP 200, and no event appended. */
async function expectBadRequest(
  path: string,
  body: unknown,
  detail: string | RegExp,
  headers?: Record<string, string>,
): Promise<void> {
  const before = await h.head();
  const res = await h.post(path, body, headers);
  expect(res.statusCode).toBe(200);
  const json = res.json();
  expect(json).toEqual({ status: 1002, message: BAD_REQUEST, error: { message: expect.any(String) } });
  const message = (json as { error: { message: string } }).error.message;
  if (typeof detail === "string") expect(message).toBe(detail);
  else expect(message).toMatch(detail);
  expect(await h.head()).toBe(before);
}

function without(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = obj;
  return rest;
}

/** A copy of `body` with the field at `path` removed (path segments: keys and array indexes). */
function removeAt(
  body: Record<string, unknown>,
  path: readonly (string | number)[],
): Record<string, unknown> {
  const copy = structuredClone(body);
  let parent: unknown = copy;
  for (const segment of path.slice(0, -1)) {
    parent = (parent as Record<string | number, unknown>)[segment];
  }
  delete (parent as Record<string | number, unknown>)[path.at(-1)!];
  return copy;
}

function rendered(path: readonly (string | number)[]): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

describe("POST /kredivo/checkout/init", () => {
  it("accepts the seed's sample and answers the seed's positive shape", async () => {
    const orderId = nextOrder("ORD");
    const res = await h.post("/checkout/init", sampleInit(orderId));
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.headers["request-id"]).toEqual(expect.any(String));
    const json = res.json() as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(["status", "message", "checkout_url", "transaction_id"]);
    expect(json).toEqual({
      status: 1,
      message: "Success",
      checkout_url: `${PUBLIC_BASE_URL}/kredivo/signIn?tk=${json.transaction_id}`,
      transaction_id: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      ),
    });
  });

  it("is idempotent on order_id: the same body answers the same transaction and appends nothing", async () => {
    const body = sampleInit(nextOrder("ORD"));
    const first = (await h.post("/checkout/init", body)).json() as { transaction_id: string };
    const head = await h.head();
    // Key order and the object form of shipping_addresses do not make it a different request.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    for (const again of [body, reordered]) {
      const res = await h.post("/checkout/init", again);
      expect(res.json()).toMatchObject({ status: 1, transaction_id: first.transaction_id });
    }
    expect(await h.head()).toBe(head);
  });

  it("refuses a different body under a used order_id with 1002", async () => {
    const orderId = nextOrder("ORD");
    await h.post("/checkout/init", sampleInit(orderId));
    await expectBadRequest(
      "/checkout/init",
      sampleInit(orderId, { push_url: "https://other.example.com/push" }),
      /^order_id_must_be_unique: /,
    );
  });

  it("answers an unknown server_key with the seed's 2012", async () => {
    const before = await h.head();
    const res = await h.post("/checkout/init", { ...initExample, order_id: nextOrder("ORD") });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('{"status":2012,"message":"Invalid Merchant"}');
    expect(await h.head()).toBe(before);
  });

  it("refuses an amount that is not the items' total", async () => {
    await expectBadRequest(
      "/checkout/init",
      sampleInit(nextOrder("ORD"), { amount: 6505001 }),
      /^amount_must_equal_items_total: .*6505000$/,
    );
  });

  it("refuses tenure 3 for less than 700,000 VND", async () => {
    const items = [
      { id: "SKU-1", name: "Kettle", price: 699999, type: "Home", url: "https://m.example/k", quantity: 1 },
    ];
    await expectBadRequest(
      "/checkout/init",
      sampleInit(nextOrder("ORD"), { tenure: 3, amount: 699999, items }),
      /^amount_must_meet_tenure_minimum: /,
    );
  });

  it("refuses a source other than ecom and offline (offline checkouts: offline.int.test.ts)", async () => {
    await expectBadRequest(
      "/checkout/init",
      sampleInit(nextOrder("ORD"), { source: "web" }),
      "source: must_be_one_of:ecom|offline",
    );
  });

  it("reads amounts exactly: 6505000.0 is the amount, a fraction of a dong is refused", async () => {
    const orderId = nextOrder("ORD");
    const text = JSON.stringify(sampleInit(orderId)).replace('"amount":6505000', '"amount":6505000.0');
    expect(text).toContain('"amount":6505000.0');
    expect((await h.post("/checkout/init", text)).json()).toMatchObject({ status: 1 });
    await expectBadRequest(
      "/checkout/init",
      text.replace('"amount":6505000.0', '"amount":6505000.5').replace(orderId, nextOrder("ORD")),
      "amount: amount_has_too_many_decimals",
    );
    await expectBadRequest(
      "/checkout/init",
      sampleInit(nextOrder("ORD"), { tenure: 1.5 }),
      "tenure: must_be_an_integer",
    );
  });

  const product: (string | number)[] = ["items", 0];
  const seller: (string | number)[] = ["sellers", 1];
  const requiredFields: (string | number)[][] = [
    ...[
      "server_key",
      "tenure",
      "amount",
      "order_id",
      "source",
      "items",
      "buyers",
      "shipping_addresses",
      "push_url",
      "back_to_store_url",
    ].map((f) => [f]),
    ...["id", "name", "price", "type", "url", "quantity"].map((f) => [...product, f]),
    ...["id", "name", "price", "quantity"].map((f) => ["items", 2, f]), // a fee item (taxfee)
    ...["name", "email", "mobile_number"].map((f) => ["buyers", 0, f]),
    ...["name", "address", "province", "district", "ward", "mobile_number"].map((f) => [
      "shipping_addresses",
      0,
      f,
    ]),
    ...["id", "name", "email", "url", "address_detail"].map((f) => [...seller, f]),
    ...["name", "address", "province", "district", "ward"].map((f) => [...seller, "address_detail", f]),
  ];

  it.each(requiredFields.map((path) => [rendered(path), path] as const))(
    "refuses a request without %s, naming it, and appends nothing",
    async (name, path) => {
      const body = removeAt(sampleInit(nextOrder("ORD")), path);
      await expectBadRequest("/checkout/init", body, `${name}: required`);
    },
  );

  it.each([
    ["an empty items list", { items: [] }, "items: must_not_be_empty"],
    ["a push_url that is not a URL", { push_url: "pushurl" }, "push_url: must_be_an_http_url"],
    ["a string tenure", { tenure: "1" }, "tenure: expected_integer"],
    ["tenure 2", { tenure: 2 }, "tenure: must_be_one_of:1|3|6|12"],
    ["a negative amount", { amount: -1 }, "amount: amount_must_not_be_negative"],
    ["items as an object", { items: { id: "x" } }, "items: expected_array"],
  ])("refuses %s", async (_name, overrides, detail) => {
    await expectBadRequest("/checkout/init", sampleInit(nextOrder("ORD"), overrides), detail);
  });
});

describe("the /kredivo error contract", () => {
  const valid = () => JSON.stringify(sampleInit(nextOrder("ORD")));

  it("refuses malformed JSON with 1002, not a 4xx/5xx", async () => {
    await expectBadRequest("/checkout/init", '{"server_key": "abc",', "body: malformed_json");
    await expectBadRequest("/checkout/init", "{'single': 'quotes'}", "body: malformed_json");
    await expectBadRequest("/checkout/init", valid().slice(0, -1), "body: malformed_json");
  });

  it("refuses absurdly nested JSON", async () => {
    const deep = `${"[".repeat(200_000)}${"]".repeat(200_000)}`;
    await expectBadRequest("/checkout/init", deep, /^body: (nesting_too_deep|expected_object)$/);
  });

  it("refuses a wrong or missing content type", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/xml"]) {
      await expectBadRequest("/checkout/init", valid(), "content-type: must_be_application/json", {
        "content-type": type,
      });
    }
    const before = await h.head();
    const res = await h.app.inject({ method: "POST", url: "/kredivo/checkout/init", payload: valid() });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 1002,
      message: BAD_REQUEST,
      error: { message: "content-type: must_be_application/json" },
    });
    expect(await h.head()).toBe(before);
  });

  it("accepts application/json with a charset", async () => {
    const res = await h.post("/checkout/init", valid(), {
      "content-type": "application/json; charset=utf-8",
    });
    expect(res.json()).toMatchObject({ status: 1 });
  });

  it("refuses a body over 1 MiB", async () => {
    const big = JSON.stringify(sampleInit(nextOrder("ORD"), { device_id: "x".repeat(1024 * 1024) }));
    await expectBadRequest("/checkout/init", big, "body: too_large:max_1048576_bytes");
  });

  it.each([
    ["an array", "[]", "body: expected_object"],
    ["a string", '"server_key"', "body: expected_object"],
    ["a number", "42", "body: expected_object"],
    ["null", "null", "body: expected_object"],
    ["empty", "", "body: required"],
  ])("refuses a body that is %s", async (_name, text, detail) => {
    await expectBadRequest("/checkout/init", text, detail);
  });

  it("refuses a POST without any body", async () => {
    const res = await h.app.inject({ method: "POST", url: "/kredivo/checkout/init" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 1002, message: BAD_REQUEST, error: { message: "body: required" } });
  });

  it("refuses a __proto__ key as fastify's own parser would", async () => {
    const text = valid().replace("{", '{"__proto__":{"polluted":true},');
    await expectBadRequest("/checkout/init", text, "body: forbidden_key:__proto__");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  /** transaction/status while its use case throws `error`, asked with the Request-Id given. */
  async function statusFailingWith(error: Error, requestId: string) {
    const original = h.checkout.status;
    h.checkout.status = async () => {
      throw error;
    };
    try {
      return await h.post(
        "/transaction/status",
        { server_key: SANDBOX_SERVER_KEY, transaction_id: "t-1" },
        { "request-id": requestId },
      );
    } finally {
      h.checkout.status = original;
    }
  }

  it("answers a fault of ours with 9999, HTTP 500, logged at error level with the request id", async () => {
    const res = await statusFailingWith(new Error("read store on fire"), "req-9999-test");
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      status: 9999,
      message: "Sorry, something went wrong. Please try again in a few minutes",
      error: { message: "request_id: req-9999-test" },
    });
    const line = h.logs.find((l) => l.msg === "checkout request failed");
    expect(line).toMatchObject({ level: 50, reqId: "req-9999-test", requestId: "req-9999-test" });
    expect(JSON.stringify(line)).toContain("read store on fire");
  });

  it("answers a store it cannot reach with 9999 and HTTP 503, as each route declares it", async () => {
    const unreachable = new ReadStoreUnavailable("read store at db:5432 is unavailable");
    const res = await statusFailingWith(unreachable, "req-503-test");
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      status: 9999,
      message: "Sorry, something went wrong. Please try again in a few minutes",
      error: { message: "request_id: req-503-test" },
    });
  });

  it("leaves routes outside /kredivo to fastify's defaults", async () => {
    const res = await h.app.inject({ method: "POST", url: "/kredivo/no/such/route", payload: {} });
    expect(res.statusCode).toBe(404);
    expect((await h.app.inject({ method: "GET", url: "/healthz" })).json()).toEqual({ status: "ok" });
  });
});

describe("POST /kredivo/transaction/status", () => {
  it("answers a fresh transaction as pending with the items breakdown, checkout_amount a bare 6505000.0", async () => {
    const orderId = nextOrder("ORD");
    const { transaction_id } = (await h.post("/checkout/init", sampleInit(orderId))).json() as {
      transaction_id: string;
    };
    const res = await h.post("/transaction/status", { server_key: SANDBOX_SERVER_KEY, transaction_id });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('"checkout_amount":6505000.0,');
    const json = res.json() as Record<string, unknown>;
    expect(Object.keys(json)).toEqual([
      "status",
      "message",
      "order_id",
      "checkout_amount",
      "tenure",
      "items",
      "trx_status",
    ]);
    expect(json).toEqual({
      status: 1,
      message: "Success",
      order_id: orderId,
      checkout_amount: 6505000,
      tenure: 1,
      items: [
        {
          name: "iPhone 5S",
          unit_price: "6000000.0",
          total_amount: "6000000.0",
          quantity: 1,
          sku: "items",
          sku_type: 0,
          category: "Smartphone",
        },
        {
          name: "Hailee Sneakers Blink Silver",
          unit_price: "250000.0",
          total_amount: "500000.0",
          quantity: 2,
          sku: "items",
          sku_type: 0,
          category: "Sneakers",
        },
        {
          name: "Tax Fee",
          unit_price: "1000.0",
          total_amount: "1000.0",
          quantity: 1,
          sku: "tax_fee",
          sku_type: 2,
          category: "Fees",
        },
        {
          name: "Shipping Fee",
          unit_price: "9000.0",
          total_amount: "9000.0",
          quantity: 1,
          sku: "shipping_fee",
          sku_type: 1,
          category: null,
        },
        {
          name: "Discount",
          unit_price: "5000.0",
          total_amount: "5000.0",
          quantity: 1,
          sku: "discount",
          sku_type: 2,
          category: "Discount",
        },
      ],
      trx_status: "pending",
    });
  });

  it("answers an unknown server_key with 2012 and an unknown transaction with 1002", async () => {
    const { transaction_id } = (await h.post("/checkout/init", sampleInit(nextOrder("ORD")))).json() as {
      transaction_id: string;
    };
    const other = await h.post("/transaction/status", { server_key: "not-a-merchant-key", transaction_id });
    expect(other.json()).toEqual({ status: 2012, message: "Invalid Merchant" });
    await expectBadRequest(
      "/transaction/status",
      { server_key: SANDBOX_SERVER_KEY, transaction_id: "00000000-0000-0000-0000-000000000000" },
      /^transaction_id 00000000-0000-0000-0000-000000000000 is unknown/,
    );
  });

  it.each(["server_key", "transaction_id"])("refuses a request without %s", async (field) => {
    await expectBadRequest(
      "/transaction/status",
      without({ server_key: SANDBOX_SERVER_KEY, transaction_id: "t" }, field),
      `${field}: required`,
    );
  });
});
