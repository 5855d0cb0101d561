import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOTH_KEY, type FinanceHarness, startFinanceHarness } from "../finance/harness.ts";
import { bearer } from "../support/http.ts";

// Issue 15's /v1 reproducers: ids no buyer can have (a space, a quote, non-ASCII, NUL, `;`, `../`) once
// reached the event store as stream names and answered 500. They are "not found" now, decided before any
// store access, and nothing is appended.

const NO_BUYER_CAN_HAVE = ["a b", "é", "\u0000", ";", "../x", "'", "a".repeat(200)];

let h: FinanceHarness;
beforeAll(async () => {
  h = await startFinanceHarness();
});
afterAll(async () => {
  await h?.close();
});

describe("a user id no credit line can have", () => {
  it.each(NO_BUYER_CAN_HAVE)("GET /v1/finance/buyers/%j/loans is buyer_not_found", async (userId) => {
    const res = await h.get(`/v1/finance/buyers/${encodeURIComponent(userId)}/loans`);
    expect(res.statusCode, res.body).toBe(404);
    expect(res.json()).toMatchObject({ code: "buyer_not_found", param: "userId" });
  });

  // A Kredmint line's stream id is longer (creditline-kredmint:INR:<userId>): 180 characters fit only Kredivo's.
  const byProduct: [string, string][] = [
    ...NO_BUYER_CAN_HAVE.map((userId): [string, string] => ["kredivo", userId]),
    ...[...NO_BUYER_CAN_HAVE, "a".repeat(180)].map((userId): [string, string] => ["kredmint", userId]),
  ];
  it.each(byProduct)("POST /v1/repayments (%s) for %j is credit_line_not_found", async (product, userId) => {
    const before = await h.service.store.headPosition();
    const res = await h.service.app.inject({
      method: "POST",
      url: "/v1/repayments",
      headers: {
        ...bearer(BOTH_KEY),
        "content-type": "application/json",
        "idempotency-key": crypto.randomUUID(),
      },
      payload: JSON.stringify({ userId, product, amount: "1000", bankReference: "UTR-1" }),
    });
    expect(res.statusCode, res.body).toBe(404);
    expect(res.json()).toMatchObject({ code: "credit_line_not_found", param: "userId" });
    expect(await h.service.store.headPosition()).toBe(before);
  });
});
