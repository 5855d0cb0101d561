import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { creditLineCodec } from "../../services/ledger/creditline/creditline.events.ts";
import { creditLineStream, kredivoLine } from "../../services/ledger/creditline/creditline.stream.ts";
import { type CheckoutHarness, startCheckoutHarness } from "../checkout/harness.ts";
import { browser, pageUrl } from "../checkout/hosted-page-support.ts";
import type { Buyer } from "../support/buyers.ts";
import { eventually } from "../support/eventually.ts";
import {
  BusinessClock,
  confirmThroughHttp,
  DAY_MS,
  initThroughHttp,
  registerBuyer,
  settleThroughHttp,
} from "../support/money-flows.ts";

// The tenures the hosted page lets a buyer choose are the ones the credit line's PlaceHold would accept
// (one function over the line's state decides both), on the composed runtime through the page itself.

let h: CheckoutHarness;
const clock = new BusinessClock();
const AMOUNT = 1_000_000;

beforeAll(async () => {
  h = await startCheckoutHarness({ now: clock.now, env: { CONFIRM_TIMEOUT_SECONDS: "30" } });
});
afterAll(async () => {
  await h?.close();
});

async function lineEvents(userId: string) {
  const stream = creditLineStream(kredivoLine(userId));
  const envelopes = await h.store.readStream(stream, { fromRevision: 0, maxCount: 1000 });
  return envelopes.map((e) => creditLineCodec.decode(e));
}

/** `buyer` signed in on the hosted page of `transactionId` with the OTP entered: the summary is shown. */
async function atSummary(transactionId: string, buyer: Buyer) {
  const b = browser(h.app);
  await b.get(pageUrl(transactionId));
  expect((await b.submit("sign-in", { phone: buyer.phone, pin: buyer.pin })).statusCode).toBe(303);
  await b.get(pageUrl(transactionId));
  expect((await b.submit("otp", { otp: buyer.otp })).statusCode).toBe(303);
  const summary = await b.get(pageUrl(transactionId));
  expect(summary.body).toContain('id="approve"');
  return b;
}

describe("the tenures on the hosted page", () => {
  it("are all refused, in words, to a buyer with an installment overdue, as the approval is", async () => {
    const buyer = await registerBuyer(h, 50_000_000n);
    await settleThroughHttp(h, { amount: AMOUNT, buyer });
    clock.offsetMs = 31 * DAY_MS;
    try {
      const { transactionId } = await initThroughHttp(h, { amount: AMOUNT });
      const b = await atSummary(transactionId, buyer);
      for (const tenure of [1, 3, 6, 12]) expect(b.lastPage()).toContain(`value="${tenure}" disabled>`);
      expect(b.lastPage().match(/You have an overdue instalment: repay it first/g)).toHaveLength(4);
      const denied = await b.submit("approve", { tenure: "1" });
      expect(denied.body).toContain("You have an overdue instalment: repay it first.");
      expect((await h.checkout.page(transactionId)).state.phase).toBe("denied");
    } finally {
      clock.offsetMs = 0;
    }
  });
});

// An approval that crashed after the credit line held credit and before the checkout turned Pending leaves a
// hold with the tenure the buyer chose. The buyer's retry on the hosted page with another tenure must not
// reuse that hold (the settlement would price one tenure and the loan schedule follow another): it is
// refused as the tenure chosen, changing nothing, and the retry with the held tenure completes the approval.
describe("an approval retried with another tenure than the one held", () => {
  it("is refused on the hosted page, holds nothing new, and the held tenure settles into its loan", async () => {
    const buyer = await registerBuyer(h, 50_000_000n);
    const { transactionId, orderId } = await initThroughHttp(h, { amount: AMOUNT, tenure: 3 });
    const b = await atSummary(transactionId, buyer);

    // The first approval's hold, on tenure 3, as it stands after a crash before the checkout's Pending.
    await h.checkout.creditLines.handle(
      creditLineStream(kredivoLine(buyer.userId)),
      { type: "PlaceHold", transactionId, amountMinor: BigInt(AMOUNT), tenure: 3 },
      {
        now: new Date().toISOString(),
        actor: "test",
        tenantId: "kredivo",
        correlationId: "t",
        causationId: "t",
      },
    );

    const before = await h.quietHead();
    const other = await b.submit("approve", { tenure: "6" });
    expect(other.statusCode).toBe(422);
    expect(other.body).toContain("That payment term is not available for this order. Choose another one.");
    expect(other.body).not.toContain('value="3" disabled>');
    expect(other.body.match(/You already chose another payment term for this order/g)).toHaveLength(3);
    expect(await h.quietHead()).toBe(before);
    expect((await h.checkout.page(transactionId)).state.phase).toBe("otp_verified");

    const held = await b.submit("approve", { tenure: "3" });
    expect(held.statusCode).toBe(303);
    expect((await h.checkout.page(transactionId)).state).toMatchObject({ phase: "pending", tenure: 3 });
    await confirmThroughHttp(h, { transactionId, orderId, amount: AMOUNT, tenure: 3 });

    const events = await eventually("the settled checkout's loan", async () => {
      const found = await lineEvents(buyer.userId);
      return found.some((e) => e.type === "LoanOpened") ? found : undefined;
    });
    expect(events.filter((e) => e.type === "CreditHeld")).toHaveLength(1);
    const loan = events.find((e) => e.type === "LoanOpened");
    expect(loan?.type === "LoanOpened" && loan.data.tenure).toBe(3);
    expect(loan?.type === "LoanOpened" && loan.data.installments).toHaveLength(3);
  });
});
