import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextOrder, pushSignature, SEED_AMOUNT_MINOR, sampleInit } from "../support/checkout-requests.ts";
import { approveAsSandboxBuyer, type CheckoutHarness, startCheckoutHarness } from "./harness.ts";

// checkout/update ("Confirm Transaction") through HTTP. The buyer's approval (hosted page) is driven
// through the service; the confirmation window is 1 s and the timer sweep runs every 50 ms.

const BAD_REQUEST = "Bad request, please check your request.";

let h: CheckoutHarness;

beforeAll(async () => {
  h = await startCheckoutHarness();
});
afterAll(async () => {
  await h?.close();
});

interface Initiated {
  readonly transactionId: string;
  readonly orderId: string;
  readonly signature: string;
}

/** A checkout of the seed's sample (6,505,000 VND, tenure 1) and the signature_key its push carries. */
async function initiate(): Promise<Initiated> {
  const orderId = nextOrder("UPD");
  const res = await h.post("/checkout/init", sampleInit(orderId));
  const { transaction_id: transactionId } = res.json() as { transaction_id: string };
  const signature = pushSignature({ transactionId, orderId, amountMinor: SEED_AMOUNT_MINOR, tenure: 1 });
  return { transactionId, orderId, signature };
}

async function expectBadRequest(body: unknown, detail: string | RegExp): Promise<void> {
  const before = await h.quietHead();
  const res = await h.post("/checkout/update", body);
  expect(res.statusCode).toBe(200);
  const json = res.json() as { error?: { message: string } };
  expect(json).toEqual({ status: 1002, message: BAD_REQUEST, error: { message: expect.any(String) } });
  if (typeof detail === "string") expect(json.error?.message).toBe(detail);
  else expect(json.error?.message).toMatch(detail);
  expect(await h.head()).toBe(before);
}

describe("POST /kredivo/checkout/update", () => {
  const body: Record<string, string> = { signature_key: "sig", transaction_id: "t", status: "settled" };

  it.each(["signature_key", "transaction_id", "status"])("refuses a request without %s", async (field) => {
    const { [field]: _dropped, ...rest } = body;
    await expectBadRequest(rest, `${field}: required`);
  });

  it("refuses a status other than settled or failed", async () => {
    await expectBadRequest({ ...body, status: "settlement" }, "status: must_be_one_of:settled|failed");
  });

  it("refuses an unknown transaction", async () => {
    await expectBadRequest(
      { ...body, transaction_id: "00000000-0000-0000-0000-000000000000" },
      "transaction_id 00000000-0000-0000-0000-000000000000 is unknown",
    );
  });

  it("refuses a signature_key that is not the push's", async () => {
    const { transactionId } = await initiate();
    await expectBadRequest(
      {
        signature_key: "Lrgsmk09S0f8biAf/bYGrfDXJXvk7ftLMZ3L1b4o7+4=",
        transaction_id: transactionId,
        status: "settled",
      },
      /^signature_key does not match/,
    );
  });

  it("refuses to confirm a transaction the buyer has not approved", async () => {
    const { transactionId, signature } = await initiate();
    await expectBadRequest(
      { signature_key: signature, transaction_id: transactionId, status: "settled" },
      /^transaction_must_be_pending: /,
    );
  });

  it("settles an approved transaction in the seed's exact shape, and a repeat answers the same", async () => {
    const { transactionId, orderId, signature } = await initiate();
    await approveAsSandboxBuyer(h.checkout, transactionId);
    const confirm = { signature_key: signature, transaction_id: transactionId, status: "settled" };

    const first = await h.post("/checkout/update", confirm);
    expect(first.statusCode).toBe(200);
    const json = first.json() as Record<string, unknown>;
    expect(Object.keys(json)).toEqual([
      "status",
      "message",
      "tenure",
      "transaction_time",
      "order_id",
      "amount",
      "discount_amount",
      "disbursed_amount",
      "user_token",
    ]);
    expect(json).toEqual({
      status: "settlement",
      message: "Success",
      tenure: 1,
      transaction_time: expect.any(Number),
      order_id: orderId,
      amount: "6505000.0",
      discount_amount: "0.0",
      disbursed_amount: "6505000.0",
      user_token: null,
    });
    expect(Math.abs((json.transaction_time as number) - Date.now() / 1000)).toBeLessThan(60);
    expect(first.body).toContain('"user_token":null}');

    const head = await h.quietHead();
    const events = await h.store.readStream(`checkout-${transactionId}`);
    const again = await h.post("/checkout/update", confirm);
    expect(again.body).toBe(first.body);
    expect(await h.head()).toBe(head);
    expect(await h.store.readStream(`checkout-${transactionId}`)).toHaveLength(events.length);
    expect(await h.trxStatus(transactionId)).toBe("settlement");

    // Settled is final: the merchant cannot turn it into a failure.
    await expectBadRequest({ ...confirm, status: "failed" }, /^transaction_already_settled: /);
  });

  it("records the merchant's failure, and refuses to settle it afterwards", async () => {
    const { transactionId, signature } = await initiate();
    await approveAsSandboxBuyer(h.checkout, transactionId);
    const res = await h.post("/checkout/update", {
      signature_key: signature,
      transaction_id: transactionId,
      status: "failed",
    });
    expect(res.json()).toMatchObject({ status: "failed", message: "Success", amount: "6505000.0" });
    expect(await h.trxStatus(transactionId)).toBe("failed");
    await expectBadRequest(
      { signature_key: signature, transaction_id: transactionId, status: "settled" },
      /^transaction_already_failed: the transaction has already failed/,
    );
  });

  it("refuses a confirmation after the 1 s window has failed the transaction, appending nothing", async () => {
    const { transactionId, signature } = await initiate();
    await approveAsSandboxBuyer(h.checkout, transactionId);
    expect(await h.trxStatus(transactionId)).toBe("pending");
    const deadline = Date.now() + 10_000;
    while ((await h.trxStatus(transactionId)) !== "failed") {
      if (Date.now() > deadline) throw new Error("the confirmation timeout never failed the transaction");
      await new Promise((r) => setTimeout(r, 50));
    }
    await expectBadRequest(
      { signature_key: signature, transaction_id: transactionId, status: "settled" },
      "transaction_already_failed: the transaction has already failed (not confirmed in time or reported failed); start a new checkout",
    );
  });
});
