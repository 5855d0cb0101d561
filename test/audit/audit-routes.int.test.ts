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

  describe("GET /v1/audit/streams/{id}?at=", () => {
    it("answers the state and the events as of a log position", async () => {
      const stream = `checkout-${transactionId}`;
      const events = await h.service.store.readStream(stream);
      const settled = events.find((e) => e.type === "Settled")!;
      const now = await h.get(`/v1/audit/streams/${stream}?at=${settled.position}`);
      expect(now.statusCode).toBe(200);
      expect(now.json()).toMatchObject({
        streamId: stream,
        asOf: { basis: "log position", position: settled.position },
        revision: settled.revision,
      });
      expect(now.json().events).toHaveLength(settled.revision + 1);
      expect(now.json().state).not.toBeNull();
      const first = await h.get(`/v1/audit/streams/${stream}?at=${events[0]!.position}`);
      expect(first.json()).toMatchObject({ revision: 0, events: [{ eventId: events[0]!.eventId }] });
      expect(first.json().state).not.toEqual(now.json().state);
    });

    it("as of an effective time counts the events that occurred by then", async () => {
      const stream = `checkout-${transactionId}`;
      const events = await h.service.store.readStream(stream);
      const at = encodeURIComponent(events[0]!.occurredAt);
      const reply = await h.get(`/v1/audit/streams/${stream}?at=${at}`);
      expect(reply.json().asOf).toEqual({ basis: "effective time", time: events[0]!.occurredAt });
      const occurred = events.filter((e) => e.occurredAt <= events[0]!.occurredAt).length;
      expect(reply.json().events).toHaveLength(occurred);
      const before = await h.get(`/v1/audit/streams/${stream}?at=2000-01-01T00:00:00Z`);
      expect(before.json()).toMatchObject({ revision: -1, events: [] });
    });

    it("refuses an unknown stream, a bad or missing at, and a position beyond the head", async () => {
      const head = await h.service.store.headPosition();
      const cases: [string, number, string][] = [
        ["/v1/audit/streams/checkout-nope?at=1", 404, "stream_not_found"],
        [`/v1/audit/streams/checkout-${transactionId}?at=yesterday`, 400, "invalid_parameter"],
        [`/v1/audit/streams/checkout-${transactionId}`, 400, "invalid_parameter"],
        [`/v1/audit/streams/nodash?at=1`, 400, "invalid_parameter"],
        [
          `/v1/audit/streams/checkout-${transactionId}?at=${BigInt(head) + 1000n}`,
          400,
          "position_beyond_log_head",
        ],
      ];
      for (const [url, status, code] of cases) {
        const reply = await h.get(url);
        expect([url, reply.statusCode, reply.json().code]).toEqual([url, status, code]);
      }
    });
  });

  describe("GET /v1/audit/accounts/{id}?at=", () => {
    it("answers the balances and the postings that led there, agreeing with the trial balance", async () => {
      const head = await h.service.store.headPosition();
      for (const at of [head, encodeURIComponent(new Date().toISOString())]) {
        const reply = await h.get(`/v1/audit/accounts/fee-income?at=${at}`);
        expect(reply.statusCode).toBe(200);
        const body = reply.json();
        const basis = at === head ? `asOfPosition=${at}` : `asOfTime=${at}`;
        const trial = (await h.get(`/v1/finance/trial-balance?${basis}`)).json();
        const line = trial.accounts.find((a: { account: string }) => a.account === "fee-income");
        expect(body.balances).toEqual([
          { currency: line.currency, debit: line.debit, credit: line.credit, balance: line.balance },
        ]);
        expect(body.postings.length).toBeGreaterThan(0);
        expect(body.truncated).toBe(false);
      }
      const before = (await h.get("/v1/audit/accounts/fee-income?at=1")).json();
      expect(before).toMatchObject({ balances: [], postings: [] });
    });

    it("refuses an account with no postings", async () => {
      const reply = await h.get("/v1/audit/accounts/no-such-account?at=1");
      expect([reply.statusCode, reply.json().code]).toEqual([404, "account_not_found"]);
    });
  });
});
