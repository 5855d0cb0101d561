import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIELD_MAX_CHARS } from "../../contracts/checkout/common.ts";
import { nextOrder, SANDBOX_SERVER_KEY, sampleInit } from "../support/checkout-requests.ts";
import { type CheckoutHarness, startCheckoutHarness } from "./harness.ts";

// Over-long or malformed fields never reach the permanent log: each answers 1002 naming the field (the
// contract's bounds, contracts/checkout/common.ts) and the log head stays where it was.

const BAD_REQUEST = "Bad request, please check your request.";

let h: CheckoutHarness;

beforeAll(async () => {
  h = await startCheckoutHarness();
});
afterAll(async () => {
  await h?.close();
});

async function expectBadRequest(path: string, body: unknown, detail: string): Promise<void> {
  const before = await h.quietHead();
  const res = await h.post(path, body);
  expect(res.statusCode).toBe(200);
  expect(res.json()).toEqual({ status: 1002, message: BAD_REQUEST, error: { message: detail } });
  expect(await h.head()).toBe(before);
}

const over = (max: number) => "x".repeat(max + 1);

describe("POST /kredivo/checkout/init", () => {
  it("refuses an ip_address that is not an IP address, however long", async () => {
    await expectBadRequest(
      "/checkout/init",
      sampleInit(nextOrder("BND"), { ip_address: over(FIELD_MAX_CHARS.ipAddress) }),
      "ip_address: must_be_an_ipv4_or_ipv6_address",
    );
  });

  it.each([
    ["order_id", FIELD_MAX_CHARS.id],
    ["user_agent", FIELD_MAX_CHARS.userAgent],
    ["device_id", FIELD_MAX_CHARS.device],
  ])("refuses an over-long %s", async (field, max) => {
    await expectBadRequest(
      "/checkout/init",
      sampleInit(nextOrder("BND"), { [field]: over(max) }),
      `${field}: too_long:max_${max}_characters`,
    );
  });

  it("refuses a buyer's email that is not an email address", async () => {
    const init = sampleInit(nextOrder("BND"));
    const buyers = [{ name: "Nguyen Van Long", email: "not an email", mobile_number: "+84-983123456" }];
    await expectBadRequest(
      "/checkout/init",
      { ...init, buyers },
      "buyers[0].email: must_be_an_email_address",
    );
  });
});

describe("POST /kredivo/transaction/cancel", () => {
  it.each([
    ["reason", FIELD_MAX_CHARS.text],
    ["cancelled_by", FIELD_MAX_CHARS.text],
  ])("refuses an over-long %s", async (field, max) => {
    await expectBadRequest(
      "/transaction/cancel",
      {
        transaction_id: "9ce1596f-bd4e-4fa2-b49f-3537de3f4128",
        server_key: SANDBOX_SERVER_KEY,
        reason: "Out of stock",
        cancelled_by: "merchant_name",
        order_id: "KB-1",
        [field]: over(max),
      },
      `${field}: too_long:max_${max}_characters`,
    );
  });
});
