import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CheckoutHarness, startCheckoutHarness } from "../checkout/harness.ts";

// The app's one exact-JSON body parser on the composed runtime (real SQLite): the /v1 money routes read
// their bodies through it and keep their wire contracts; refusals append nothing.

const OPERATOR = "exact-json-operator-key-0001";
const INR_AMOUNT = "90071992547409.93"; // a double reads it as …409.9375, a paisa off once rounded

let h: CheckoutHarness;

beforeAll(async () => {
  h = await startCheckoutHarness({ env: { API_KEYS: `${OPERATOR}:operator` } });
});
afterAll(async () => {
  await h?.close();
});

async function refusedOnV1(url: string, payload: string) {
  const before = await h.quietHead();
  const res = await h.app.inject({
    method: "POST",
    url,
    payload,
    headers: {
      "content-type": "application/json",
      "idempotency-key": randomUUID(),
      authorization: `Bearer ${OPERATOR}`,
    },
  });
  expect(res.statusCode, res.body).toBe(400);
  expect(String(res.headers["content-type"])).toContain("application/problem+json");
  expect(await h.head()).toBe(before);
  return res.json() as Record<string, unknown>;
}

describe("POST /v1/repayments through the exact-JSON parser", () => {
  it("refuses an amount sent as a JSON number by its rule: amounts are decimal strings", async () => {
    const problem = await refusedOnV1(
      "/v1/repayments",
      `{"userId": "sandbox-buyer", "amount": ${INR_AMOUNT}, "bankReference": "UTR-EXACT-1"}`,
    );
    expect(problem).toMatchObject({
      code: "invalid_parameter",
      param: "amount",
      detail: "amount: amount_must_be_a_decimal_string",
    });
  });

  it("reads the decimal string exactly: a paisa is a decimal VND does not have", async () => {
    const problem = await refusedOnV1(
      "/v1/repayments",
      JSON.stringify({ userId: "sandbox-buyer", amount: INR_AMOUNT, bankReference: "UTR-EXACT-2" }),
    );
    expect(problem).toMatchObject({ param: "amount", detail: "amount: amount_has_too_many_decimals" });
  });
});

describe("bodies that are not JSON, on every /v1 POST", () => {
  it.each([
    ["/v1/repayments", '{"userId": "sandbox-buyer",'],
    ["/v1/repayments", '{"__proto__": {"admin": true}}'],
    ["/v1/payouts/run", "{'bankAccount': 'BCA-001'}"],
  ])("%s refuses %s as fastify's own parser did", async (url, payload) => {
    expect(await refusedOnV1(url, payload)).toMatchObject({ code: "malformed_body" });
  });
});
