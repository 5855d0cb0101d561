import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyChain } from "../../services/platform/eventstore/chain.ts";
import { chainPages } from "../../services/platform/eventstore/stream-events.ts";
import {
  FINANCE_KEY,
  type FinanceHarness,
  OPERATOR_KEY,
  SANDBOX,
  startFinanceHarness,
} from "../finance/harness.ts";

// The /v1/audit routes over the embedded runtime (README "Audit").

describe("/v1/audit", () => {
  let h: FinanceHarness;
  let transactionId: string;

  beforeAll(async () => {
    h = await startFinanceHarness();
    transactionId = await h.settle(SANDBOX);
    await h.settled();
  });
  afterAll(() => h.close());

  describe("GET /v1/audit/chain", () => {
    it("answers the head the verifier reaches walking the whole log", async () => {
      const reply = await h.get("/v1/audit/chain", FINANCE_KEY);
      expect(reply.statusCode).toBe(200);
      const verdict = await verifyChain(chainPages(h.service.store));
      expect(verdict.ok).toBe(true);
      expect(reply.json()).toEqual({ ...(verdict.ok ? verdict.head : {}), algorithm: "sha256" });
      expect(reply.json().position).toBe(await h.service.store.headPosition());
      expect(transactionId).toBeTruthy();
    });

    it("needs the finance role", async () => {
      expect((await h.get("/v1/audit/chain", OPERATOR_KEY)).statusCode).toBe(403);
      expect((await h.get("/v1/audit/chain", "")).statusCode).toBe(401);
    });
  });
});
