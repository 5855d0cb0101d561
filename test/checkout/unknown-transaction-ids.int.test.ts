import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_SERVER_KEY } from "../support/checkout-requests.ts";
import { type CheckoutHarness, startCheckoutHarness } from "./harness.ts";

// A transaction_id that is not in the form we issue names no transaction: checkout/update and
// transaction/cancel answer their documented "unknown transaction" code (1002, 2018) like transaction/status
// does, never 9999, and append nothing. These ids once reached the event store as stream names (issue 15).

const NOT_OUR_FORM: Record<string, string> = {
  "a space": "a b",
  "a quote": 'a"b',
  "non-ASCII": "é",
  "a lone surrogate": "\ud800",
  "192 characters": "a".repeat(192),
  "an upper-case UUID": "9CE1596F-BD4E-4FA2-B49F-3537DE3F4128",
};

let h: CheckoutHarness;

beforeAll(async () => {
  h = await startCheckoutHarness();
});
afterAll(async () => {
  await h?.close();
});

async function expectRefused(path: string, body: unknown, reply: Record<string, unknown>): Promise<void> {
  const before = await h.quietHead();
  const res = await h.post(path, body);
  expect(res.statusCode).toBe(200);
  expect(res.json()).toEqual(reply);
  expect(await h.head()).toBe(before);
}

describe("a transaction_id not in the form we issue", () => {
  it.each(Object.entries(NOT_OUR_FORM))("with %s is unknown to checkout/update (1002)", async (_, id) => {
    await expectRefused(
      "/checkout/update",
      { signature_key: "x", transaction_id: id, status: "settled" },
      {
        status: 1002,
        message: "Bad request, please check your request.",
        error: { message: `transaction_id ${id} is unknown` },
      },
    );
  });

  it.each(Object.entries(NOT_OUR_FORM))("with %s is unknown to transaction/cancel (2018)", async (_, id) => {
    await expectRefused(
      "/transaction/cancel",
      {
        transaction_id: id,
        server_key: SANDBOX_SERVER_KEY,
        reason: "Out of stock",
        cancelled_by: "merchant_name",
        order_id: "KB-1",
      },
      { status: 2018, message: "Invalid transaction token" },
    );
  });
});
