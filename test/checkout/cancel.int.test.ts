import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KREDIVO_CODES } from "../../services/checkout/kredivo-codes.ts";
import { CANCEL_RULES } from "../../services/ledger/checkout/checkout.decider.ts";
import { Receiver } from "../notifier/harness.ts";
import { approveAs } from "../support/buyers.ts";
import { cancelRequest, pushSignature } from "../support/checkout-requests.ts";
import { eventually } from "../support/eventually.ts";
import { registerKnownMerchant } from "../support/merchants.ts";
import {
  BusinessClock,
  DAY_MS,
  initThroughHttp,
  type Settled,
  settleThroughHttp,
} from "../support/money-flows.ts";
import { type CheckoutHarness, startCheckoutHarness } from "./harness.ts";

// POST /kredivo/transaction/cancel through HTTP on the composed runtime (services/runtime/compose.ts). Checkouts are
// settled end to end (init and update over HTTP, the buyer's approval through the service); the business
// clock is the use cases' clock, moved forward for the 20-day window. Every refusal is checked to append
// nothing: the log head after the reply is the head of the quiet log before it.

const AMOUNT = 1_000_000;
const OTHER_KEY = "other-merchant-server-key-5b1e7c";

let h: CheckoutHarness;
const clock = new BusinessClock();
const receiver = new Receiver();

beforeAll(async () => {
  await receiver.listen();
  h = await startCheckoutHarness({ now: clock.now, env: { CONFIRM_TIMEOUT_SECONDS: "30" } });
  await registerKnownMerchant(h, "other-merchant", OTHER_KEY);
});
afterAll(async () => {
  await h?.close();
  await receiver.close();
});

const settle = (amount = AMOUNT) => settleThroughHttp(h, { amount, pushUrl: receiver.url });

async function cancel(body: unknown): Promise<Record<string, unknown>> {
  const res = await h.post("/transaction/cancel", body);
  expect(res.statusCode).toBe(200);
  return res.json() as Record<string, unknown>;
}

/** Sends a cancellation that must be refused with `code`, and checks that nothing was appended. */
async function refused(body: unknown, code: number): Promise<Record<string, unknown>> {
  const before = await h.quietHead();
  const json = await cancel(body);
  expect(json.status, JSON.stringify(json)).toBe(code);
  expect(await h.head()).toBe(before);
  return json;
}

const RECEIVED = { status: 1, message: "API cancel received" };

describe("POST /kredivo/transaction/cancel: accepted", () => {
  it("cancels in full without an amount, in the seed's exact reply; trx_status turns cancel", async () => {
    const t = await settle();
    const res = await h.post("/transaction/cancel", cancelRequest(t));
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('{"status":1,"message":"API cancel received"}');
    expect(await h.trxStatus(t.transactionId)).toBe("cancel");
  });

  it("an amount equal to the transaction amount is a full cancellation", async () => {
    const t = await settle();
    expect(await cancel(cancelRequest(t, { amount: AMOUNT }))).toEqual(RECEIVED);
    expect(await h.trxStatus(t.transactionId)).toBe("cancel");
  });

  it("two partials adding up to the amount cancel it; a third is refused 2016", async () => {
    const t = await settle();
    expect(await cancel(cancelRequest(t, { amount: 400_000 }))).toEqual(RECEIVED);
    expect(await h.trxStatus(t.transactionId)).toBe("settlement");
    expect(await cancel(cancelRequest(t, { amount: 600_000 }))).toEqual(RECEIVED);
    expect(await h.trxStatus(t.transactionId)).toBe("cancel");
    await refused(cancelRequest(t, { amount: 1 }), 2016);
    await refused(cancelRequest(t), 2016);
  });

  it("a cancellation 1 minute inside the 20-day window is accepted", async () => {
    const t = await settle();
    const json = await clock.ahead(20 * DAY_MS - 60_000, () => cancel(cancelRequest(t, { amount: 100_000 })));
    expect(json).toEqual(RECEIVED);
  });

  it("the credit line gets the cancelled principal back", async () => {
    const t = await settle();
    const used = async () => {
      const [row] = await h.readStore.query("SELECT used_minor FROM credit_lines WHERE user_id = ?", [
        "sandbox-buyer",
      ]);
      return BigInt(String(row?.used_minor));
    };
    await h.quietHead();
    const before = await used();
    await cancel(cancelRequest(t, { amount: 250_000 }));
    await eventually("used credit to go down by the cancellation", async () =>
      (await used()) === before - 250_000n ? true : undefined,
    );
  });
});

describe("POST /kredivo/transaction/cancel: every refusal, nothing appended", () => {
  let t: Settled;
  beforeAll(async () => {
    t = await settle();
  });

  it("2011: a negative amount, in the seed's exact envelope", async () => {
    const json = await refused(cancelRequest(t, { amount: -90500 }), 2011);
    expect(json).toEqual({
      status: 2011,
      message: "Field amount is negative.",
      error: { message: "amount: amount_is_negative" },
    });
  });

  it("2011: a zero amount", async () => {
    const json = await refused(cancelRequest(t, { amount: 0 }), 2011);
    expect(json.error).toEqual({ message: "amount: amount_must_be_positive" });
  });

  it("2012: a server_key of no merchant", async () => {
    expect(await refused(cancelRequest(t, { server_key: "nope" }), 2012)).toEqual({
      status: 2012,
      message: "Invalid Merchant",
    });
  });

  it("2013: more than the transaction amount, with the seed's message filled in", async () => {
    const json = await refused(cancelRequest(t, { amount: AMOUNT + 1 }), 2013);
    expect(json).toEqual({
      status: 2013,
      message: `Transaction id ${t.transactionId} amount cancel ${AMOUNT + 1} different with co amount ${AMOUNT}`,
    });
  });

  it("2013: after a partial, more than what is left (the message names what is left)", async () => {
    const p = await settle();
    await cancel(cancelRequest(p, { amount: 300_000 }));
    const json = await refused(cancelRequest(p, { amount: 700_001 }), 2013);
    expect(json.message).toBe(
      `Transaction id ${p.transactionId} amount cancel 700001 different with co amount 700000`,
    );
  });

  it("2015: a transaction the buyer approved but the merchant has not confirmed (pending)", async () => {
    const pending = await initThroughHttp(h, { amount: AMOUNT, pushUrl: receiver.url });
    expect(await approveAs(h, pending.transactionId)).toBe("pending");
    await refused(cancelRequest(pending), 2015);
  });

  it("2015: a transaction the buyer has not approved yet", async () => {
    const initiated = await initThroughHttp(h, { amount: AMOUNT, pushUrl: receiver.url });
    await refused(cancelRequest(initiated, { amount: 1000 }), 2015);
  });

  it("2016: an already cancelled transaction", async () => {
    const c = await settle();
    await cancel(cancelRequest(c));
    expect(await refused(cancelRequest(c), 2016)).toEqual({
      status: 2016,
      message: "Loan is already cancelled. Cannot cancel",
    });
  });

  it("2017: settled more than 20 days ago", async () => {
    const json = await clock.ahead(20 * DAY_MS + 60_000, () => refused(cancelRequest(t), 2017));
    expect(json).toEqual({
      status: 2017,
      message: "You can't cancel the transactions that was created more than 20 days",
    });
  });

  it("2018: an unknown transaction_id", async () => {
    const json = await refused(
      cancelRequest({ transactionId: "7ab07794-8ccf-4406-bd52-91bf6b7e7c03", orderId: t.orderId }),
      2018,
    );
    expect(json).toEqual({ status: 2018, message: "Invalid transaction token" });
  });

  it("2018: another merchant's transaction", async () => {
    await refused(cancelRequest(t, { server_key: OTHER_KEY }), 2018);
  });

  it("2018: an order_id that is not the transaction's", async () => {
    await refused(cancelRequest(t, { order_id: `${t.orderId}-other` }), 2018);
  });

  it.each(["transaction_id", "server_key", "reason", "cancelled_by", "order_id"])(
    "1002: without %s",
    async (field) => {
      const { [field]: _dropped, ...rest } = cancelRequest(t);
      const json = await refused(rest, 1002);
      expect(json.error).toEqual({ message: `${field}: required` });
    },
  );

  it("1002: an amount with decimals VND does not have", async () => {
    await refused(cancelRequest(t, { amount: 1000.5 }), 1002);
  });

  it("the transaction refused all of the above is still whole and cancellable", async () => {
    expect(await h.trxStatus(t.transactionId)).toBe("settlement");
    expect(await cancel(cancelRequest(t))).toEqual(RECEIVED);
  });
});

/** Cancel's rules in the decider's precedence order, each with the code the /kredivo table answers it with. */
const CANCEL_RULE_CODES = CANCEL_RULES.map((rule) => ({ rule, code: KREDIVO_CODES[rule].code }));

describe("rule precedence: CANCEL_RULE_CODES, first rule broken wins", () => {
  // One scenario per rule, each breaking that rule and every rule after it (never one before it): the
  // answer must be the row's own code. Through HTTP, so the route's checks come first where they apply.
  const TOO_MUCH = 10 * AMOUNT;
  const scenarios: Record<string, () => Promise<{ body: unknown; aheadMs: number }>> = {
    // unknown, and an amount above anything
    transaction_must_exist: async () => ({
      body: cancelRequest(
        { transactionId: "00000000-0000-4000-8000-000000000000", orderId: "none" },
        { amount: TOO_MUCH },
      ),
      aheadMs: 21 * DAY_MS,
    }),
    // fully cancelled, past the window, and a negative amount
    cancel_amount_must_be_positive: async () => {
      const c = await settle();
      await cancel(cancelRequest(c));
      return { body: cancelRequest(c, { amount: -1 }), aheadMs: 21 * DAY_MS };
    },
    // fully cancelled (so not settled either), past the window, more than the amount
    transaction_already_cancelled: async () => {
      const c = await settle();
      await cancel(cancelRequest(c));
      return { body: cancelRequest(c, { amount: TOO_MUCH }), aheadMs: 21 * DAY_MS };
    },
    // pending, "past the window", more than the amount
    transaction_must_be_settled: async () => {
      const p = await initThroughHttp(h, { amount: AMOUNT, pushUrl: receiver.url });
      expect(await approveAs(h, p.transactionId)).toBe("pending");
      return { body: cancelRequest(p, { amount: TOO_MUCH }), aheadMs: 21 * DAY_MS };
    },
    // settled 21 days ago, more than the amount
    cancellation_window_must_be_open: async () => {
      const s = await settle();
      return { body: cancelRequest(s, { amount: TOO_MUCH }), aheadMs: 21 * DAY_MS };
    },
    // settled today, more than the amount
    cancel_amount_must_not_exceed_remaining: async () => {
      const s = await settle();
      return { body: cancelRequest(s, { amount: TOO_MUCH }), aheadMs: 0 };
    },
  };

  it("has one scenario per rule, in the table's order", () => {
    expect(Object.keys(scenarios)).toEqual(CANCEL_RULE_CODES.map((r) => r.rule));
  });

  it.each(CANCEL_RULE_CODES.map((r) => [r.rule, r.code] as const))("%s → %i", async (rule, code) => {
    const scenario = scenarios[rule];
    if (!scenario) throw new Error(`no scenario for ${rule}`);
    const { body, aheadMs } = await scenario();
    await clock.ahead(aheadMs, () => refused(body, code));
  });
});

describe("the merchant's push for a cancellation", () => {
  interface Pushed {
    readonly body: Record<string, unknown>;
    readonly webhookId: unknown;
  }
  const pushesOf = (transactionId: string, trxStatus: string): Pushed[] =>
    receiver.received
      .map((r) => ({
        body: JSON.parse(r.body) as Record<string, unknown>,
        webhookId: r.headers["webhook-id"],
      }))
      .filter((p) => p.body.transaction_id === transactionId && p.body.trx_status === trxStatus);

  async function cancelledEventIds(transactionId: string): Promise<string[]> {
    const events = await h.store.readStream(`checkout-${transactionId}`, { fromRevision: 0, maxCount: 100 });
    return events.filter((e) => e.type === "Cancelled").map((e) => e.eventId);
  }

  it("arrives at the push_url with trx_status cancel, the seed's fields and signature_key", async () => {
    const t = await settle();
    await cancel(cancelRequest(t, { reason: "Customer changed mind" }));
    const [push] = await eventually("the cancel push", () => {
      const found = pushesOf(t.transactionId, "cancel");
      return found.length > 0 ? found : undefined;
    });
    expect(push?.body).toEqual({
      amount: "1000000.0",
      discount_amount: "0.0",
      disbursed_amount: "1000000.0",
      tenure: 1,
      trx_status: "cancel",
      order_id: t.orderId,
      transaction_time: expect.any(Number),
      transaction_id: t.transactionId,
      signature_key: pushSignature({
        transactionId: t.transactionId,
        orderId: t.orderId,
        amountMinor: BigInt(AMOUNT),
        tenure: 1,
      }),
      message: "transaction cancelled: 1000000.0 cancelled, nothing left (Customer changed mind)",
    });
    expect(push?.webhookId).toBe((await cancelledEventIds(t.transactionId))[0]);
  });

  it("each partial cancellation is pushed once, saying what is left", async () => {
    const t = await settle();
    await cancel(cancelRequest(t, { amount: 400_000 }));
    await cancel(cancelRequest(t, { amount: 600_000 }));
    const pushes = await eventually("two cancel pushes", () => {
      const found = pushesOf(t.transactionId, "cancel");
      return found.length >= 2 ? found : undefined;
    });
    expect(pushes.map((p) => p.body.message)).toEqual([
      "transaction partially cancelled: 400000.0 cancelled, 600000.0 left (Out of stock)",
      "transaction cancelled: 600000.0 cancelled, nothing left (Out of stock)",
    ]);
    expect(pushes.map((p) => p.webhookId)).toEqual(await cancelledEventIds(t.transactionId));
  });
});
