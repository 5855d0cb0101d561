import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBalances, payoutService } from "../../services/finance/payouts/payout-run.ts";
import { openItems } from "../../services/finance/queries.ts";
import { merchantStream } from "../../services/ledger/merchant/merchant.decider.ts";
import { type EventStore, EventStoreUnavailable } from "../../services/platform/eventstore/port.ts";
import { kredivoMeta } from "../support/merchants.ts";
import {
  type FinanceHarness,
  leaseRunOut,
  M2,
  OPERATOR_KEY,
  payoutApp,
  SANDBOX,
  startTwoMerchants,
  withQuery,
} from "./harness.ts";

// Exactly once where payouts move money. Payout ids come from the run's Idempotency-Key (one per key,
// merchant and currency), so an attempt that died after paying is finished by its retry without paying
// anybody twice; once money has moved the run answers with it (201, or 409 with the payouts as data), never
// with a fault. The crash itself (SIGKILL between the append and the reply) is test/faults/.

let h: FinanceHarness;

beforeAll(async () => {
  h = await startTwoMerchants();
});
afterAll(async () => {
  await h?.close();
});

const runPayouts = (key: string, body: unknown = {}) =>
  h.post("/v1/payouts/run", body, { authorization: `Bearer ${OPERATOR_KEY}`, "idempotency-key": key });

const payoutsOf = async (merchantId: string) =>
  (await h.events(merchantStream(merchantId))).filter((e) => e.type === "PayoutMade");

/** Runs the route on a bare app around `payouts` with `key`. */
async function runWith(payouts: ReturnType<typeof payoutService>, key: string) {
  const app = await payoutApp(payouts, h.service.readStore);
  try {
    return await app.inject({
      method: "POST",
      url: "/v1/payouts/run",
      payload: {},
      headers: { authorization: `Bearer ${OPERATOR_KEY}`, "idempotency-key": key },
    });
  } finally {
    await app.close();
  }
}

const service = (overrides: Partial<Parameters<typeof payoutService>[0]>) =>
  payoutService({
    store: h.service.store,
    readStore: h.service.readStore,
    waitForJournal: (position) => h.service.runner!.waitFor(position, 10_000),
    now: () => new Date(),
    ...overrides,
  });

/** Pays whatever is owed now, so that each test starts from nothing owed. */
async function payEverything(key: string): Promise<void> {
  await h.settled();
  expect((await runPayouts(key)).statusCode).toBeLessThan(300);
  await h.settled();
}

describe("a payout run retried with its Idempotency-Key", () => {
  it("after the answer was lost, the retry that takes the key over answers the same bytes and pays nothing", async () => {
    await payEverything("clean-1");
    await h.settle(SANDBOX);
    await h.settle(M2);
    await h.settled();
    const first = await runPayouts("lost-1");
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ journalCaughtUp: true });
    expect(first.json().position).toBe(first.json().payouts.at(-1).position);
    const head = await h.settled();
    await leaseRunOut(h.service.readStore, "lost-1");
    const retry = await runPayouts("lost-1");
    expect(retry.statusCode).toBe(201);
    expect(retry.headers["idempotent-replayed"]).toBeUndefined();
    expect(retry.body).toBe(first.body);
    expect(await h.settled()).toBe(head);
  });

  it("after an attempt paid one merchant and died, the retry pays the others and answers every payout once", async () => {
    await payEverything("clean-2");
    await h.settle(M2);
    await h.settled();
    const first = await runPayouts("died-1");
    const [paidToM2] = first.json().payouts;
    expect(paidToM2).toMatchObject({ merchantId: "m2" });
    // It died before its answer was stored. Meanwhile both merchants are owed more.
    await leaseRunOut(h.service.readStore, "died-1");
    const txSandbox = await h.settle(SANDBOX);
    const txM2 = await h.settle(M2);
    await h.settled();
    const before = (await payoutsOf("m2")).length;
    const retry = await runPayouts("died-1");
    expect(retry.statusCode, retry.body).toBe(201);
    const { payouts } = retry.json();
    // m2 was paid by this run already: its payout again, not a second one; the sandbox merchant is paid now.
    expect(payouts).toEqual([
      paidToM2,
      expect.objectContaining({ merchantId: "sandbox-merchant", transactionIds: [txSandbox] }),
    ]);
    expect(await payoutsOf("m2")).toHaveLength(before);
    // m2's new checkout stays open for the next run.
    await h.settled();
    const open = openBalances(await openItems(h.service.readStore));
    expect(open.map((b) => [b.merchantId, b.transactionIds])).toEqual([["m2", [txM2]]]);
  });

  it("a journal that lags behind the payouts: 201 with the payouts and the position to wait for", async () => {
    await payEverything("clean-3");
    await h.settle(SANDBOX);
    await h.settled();
    let waits = 0;
    // The first wait (for the log head, before paying) succeeds; the one after the payouts times out.
    const lagging = service({ waitForJournal: async () => waits++ === 0 });
    const res = await runWith(lagging, "lag-1");
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ journalCaughtUp: false, payouts: [{ merchantId: "sandbox-merchant" }] });
    expect(body.position).toBe(body.payouts[0].position);
    const [made] = await payoutsOf("sandbox-merchant").then((events) => events.slice(-1));
    expect(made?.data).toMatchObject({ payoutId: body.payouts[0].payoutId });
  });

  it("a fault after money moved: 201 with the payouts made and where the run stopped, stored for replays", async () => {
    await payEverything("clean-4");
    await h.settle(SANDBOX);
    await h.settle(M2);
    await h.settled();
    const real = h.service.store;
    // The store goes away after m2 (paid first) and before the sandbox merchant.
    const append: EventStore["append"] = (streamId, events, options) =>
      streamId === merchantStream(SANDBOX.merchantId)
        ? Promise.reject(new EventStoreUnavailable("test: the event store went away"))
        : real.append(streamId, events, options);
    const failing: EventStore = new Proxy(real, {
      get(target, property) {
        if (property === "append") return append;
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const broken = service({ store: failing });
    const res = await runWith(broken, "fault-1");
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      payouts: [{ merchantId: "m2" }],
      journalCaughtUp: true,
      interrupted: {
        merchantId: "sandbox-merchant",
        currency: "VND",
        detail:
          "a fault of ours stopped the run at merchant sandbox-merchant (VND); the payouts listed stand; " +
          "run again with a new Idempotency-Key to pay the rest",
      },
    });
    const replay = await runWith(broken, "fault-1");
    expect(replay.body).toBe(res.body);
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    // A new run pays the rest.
    const rest = await runPayouts("fault-2");
    expect(rest.json().payouts).toEqual([expect.objectContaining({ merchantId: "sandbox-merchant" })]);
  });

  it("a conflict after paying a merchant: 409 with the payouts made before it, as data", async () => {
    await payEverything("clean-5");
    await h.settle(SANDBOX);
    await h.settle(M2);
    await h.settled();
    const snapshot = await h.service.readStore.query(
      `SELECT merchant_id, currency, kind, transaction_id, payable_minor, receivable_minor
         FROM merchant_open_items WHERE payout_id IS NULL ORDER BY merchant_id, currency, position_num`,
    );
    // Another run pays the sandbox merchant (not m2) after this one read the open items.
    const [sandbox] = openBalances(await openItems(h.service.readStore)).filter(
      (b) => b.merchantId === SANDBOX.merchantId,
    );
    await h.service.checkout!.merchants.handle(
      merchantStream(SANDBOX.merchantId),
      {
        type: "Payout",
        payout: {
          payoutId: "0192f3a4-5b6c-7000-8000-000000000001",
          currency: "VND",
          payableMinor: sandbox!.payableMinor,
          receivableMinor: sandbox!.receivableMinor,
          amountMinor: sandbox!.payableMinor - sandbox!.receivableMinor,
          bankAccount: "operating",
          bankReference: "UTR-OTHER-RUN-1",
          transactionIds: sandbox!.transactionIds,
        },
      },
      kredivoMeta(),
    );
    const real = h.service.readStore;
    const stale = service({
      readStore: withQuery(real, (sql, params) =>
        sql.includes("merchant_open_items") ? Promise.resolve(snapshot) : real.query(sql, params),
      ),
    });
    const res = await runWith(stale, "conflict-1");
    expect(res.statusCode, res.body).toBe(409);
    expect(res.headers["content-type"]).toContain("application/problem+json");
    const body = res.json();
    expect(body).toMatchObject({ code: "transaction_already_paid", status: 409 });
    expect(body.payouts).toEqual([expect.objectContaining({ merchantId: "m2", currency: "VND" })]);
    const [m2Payout] = (await payoutsOf("m2")).slice(-1);
    expect(m2Payout?.data).toMatchObject({ payoutId: body.payouts[0].payoutId });
  });
});
