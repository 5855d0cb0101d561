import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FINANCE_KEY, type FinanceHarness, startFinanceHarness } from "../finance/harness.ts";
import { bearer } from "../support/http.ts";

// On the money-moving POSTs the API key and its role are checked before the Idempotency-Key is claimed: a
// caller who may not run the operation neither holds a key nor writes one (a claimed key would answer its
// refusal again, replayed, for 24 hours).

let h: FinanceHarness;
beforeAll(async () => {
  h = await startFinanceHarness();
});
afterAll(async () => {
  await h?.close();
});

describe.each([
  ["/v1/payouts/run", {}],
  ["/v1/repayments", { userId: "sandbox-buyer", amount: "1000", bankReference: "UTR-1" }],
])("POST %s", (url, body) => {
  it.each([
    ["without an API key", {}, 401, "api_key_missing"],
    ["with a key that lacks the operator role", bearer(FINANCE_KEY), 403, "role_required"],
  ])("%s is refused before its Idempotency-Key is claimed", async (_, auth, status, code) => {
    const headers = { ...auth, "idempotency-key": `auth-first-${code}-${url}` };
    const head = await h.service.store.headPosition();
    for (const attempt of [1, 2]) {
      const res = await h.post(url, body, headers);
      expect(res.statusCode, `attempt ${attempt}`).toBe(status);
      expect(res.json()).toMatchObject({ code });
      expect(res.headers["idempotent-replayed"], `attempt ${attempt}`).toBeUndefined();
    }
    expect(await h.service.store.headPosition()).toBe(head);
  });
});
