import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calculatorRequestExample, calculatorResponseExample } from "../../contracts/checkout/calculator.ts";
import { checkoutCodec } from "../../services/ledger/checkout/checkout.events.ts";
import { SANDBOX_SERVER_KEY } from "../support/checkout-requests.ts";
import { settleThroughHttp } from "../support/money-flows.ts";
import { type CheckoutHarness, startCheckoutHarness } from "./harness.ts";

// POST /kredivo/loan/calculator through HTTP on the composed runtime, with the default rates
// (INTEREST_RATES_BPS 1:0,3:295,6:295,12:295 monthly). Rounding: interest and the 1 % processing fee each
// half up to the dong; the monthly instalment is the total divided by the tenure, rounded up.

let h: CheckoutHarness;

beforeAll(async () => {
  h = await startCheckoutHarness({ env: { CONFIRM_TIMEOUT_SECONDS: "30" } });
});
afterAll(async () => {
  await h?.close();
});

const ask = (body: Record<string, unknown>) =>
  h.post("/loan/calculator", { ...calculatorRequestExample, server_key: SANDBOX_SERVER_KEY, ...body });

describe("POST /kredivo/loan/calculator", () => {
  it("answers the seed's example exactly, byte for byte and in the seed's key order", async () => {
    const res = await ask({});
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(calculatorResponseExample);
    expect(res.body).toBe(
      '{"status":1,"message":"Success","1":{"interest_rate":"0%","interest_amount":0,' +
        '"monthly_installment":1000000,"processing_fee":10000,"processing_fee_rate":"1.0%",' +
        '"initial_amount":1000000,"total_amount":1000000,"payback_amount":1010000}}',
    );
  });

  it.each([
    // tenure, amount, interest_rate, interest, monthly, fee, total, payback
    [1, 1_000_000, "0%", 0, 1_000_000, 10_000, 1_000_000, 1_010_000],
    [3, 1_000_000, "2.95%", 88_500, 362_834, 10_000, 1_088_500, 1_098_500],
    [6, 1_000_000, "2.95%", 177_000, 196_167, 10_000, 1_177_000, 1_187_000],
    [12, 1_000_000, "2.95%", 354_000, 112_834, 10_000, 1_354_000, 1_364_000],
    // 1,234,567 × 2.95 % × 3 = 109,259.18 → 109,259; 1 % = 12,345.67 → 12,346; 1,343,826 / 3 = 447,942
    [3, 1_234_567, "2.95%", 109_259, 447_942, 12_346, 1_343_826, 1_356_172],
    // 1,000,050 × 1 % = 10,000.5 → 10,001 (half up); 1,000,050 × 2.95 % × 12 = 354,017.7 → 354,018
    [12, 1_000_050, "2.95%", 354_018, 112_839, 10_001, 1_354_068, 1_364_069],
  ])("tenure %i, amount %i: %s", async (tenure, amount, rate, interest, monthly, fee, total, payback) => {
    const res = await ask({ tenure, amount });
    expect(res.json()).toEqual({
      status: 1,
      message: "Success",
      [String(tenure)]: {
        interest_rate: rate,
        interest_amount: interest,
        monthly_installment: monthly,
        processing_fee: fee,
        processing_fee_rate: "1.0%",
        initial_amount: amount,
        total_amount: total,
        payback_amount: payback,
      },
    });
    expect(res.body.startsWith(`{"status":1,"message":"Success","${tenure}":{`)).toBe(true);
  });

  it("prices a loan as its settlement does (one calculation)", async () => {
    const amount = 2_345_678;
    const settled = await settleThroughHttp(h, { amount, tenure: 6 });
    const events = await h.store.readStream(`checkout-${settled.transactionId}`, {
      fromRevision: 0,
      maxCount: 100,
    });
    const settlement = events.map((e) => checkoutCodec.decode(e)).find((e) => e.type === "Settled");
    if (settlement?.type !== "Settled") throw new Error("no Settled event");
    const res = await ask({ tenure: 6, amount });
    const breakdown = (res.json() as Record<string, Record<string, number>>)["6"];
    expect(BigInt(breakdown?.interest_amount ?? -1)).toBe(settlement.data.interestMinor);
    expect(BigInt(breakdown?.processing_fee ?? -1)).toBe(settlement.data.processingFeeMinor);
  });

  it("2012 for a server_key of no merchant", async () => {
    const res = await ask({ server_key: "kredivovietnamECOM123" });
    expect(res.json()).toEqual({ status: 2012, message: "Invalid Merchant" });
  });

  it.each([
    [{ tenure: 2 }, "tenure: must_be_one_of:1|3|6|12"],
    [{ tenure: undefined }, "tenure: required"],
    [{ amount: 0 }, "amount: amount_must_be_positive"],
    [{ amount: -5 }, "amount: amount_must_not_be_negative"],
    [{ amount: 1000.5 }, "amount: amount_has_too_many_decimals"],
    [{ source: "offline" }, "source: must_be_one_of:ecom"],
    [{ source: undefined }, "source: required"],
    [
      { tenure: 3, amount: 699_999 },
      "amount: tenures of 3, 6 and 12 months need an amount of at least 700000",
    ],
    [{ amount: "90071992547409910" }, "amount: too_large"],
  ])("1002 for %j", async (body, detail) => {
    const before = await h.quietHead();
    const res = await ask(body);
    expect(res.json()).toEqual({
      status: 1002,
      message: "Bad request, please check your request.",
      error: { message: detail },
    });
    expect(await h.head()).toBe(before);
  });
});
