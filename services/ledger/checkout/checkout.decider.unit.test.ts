import { describe, expect, it } from "vitest";
import type { Tenure } from "../creditline/creditline.events.ts";
import { fold, InvariantViolation } from "../decider.ts";
import type { InterestRates } from "../loan/loan-terms.ts";
import { spec, testMeta } from "../testing/decider-spec.ts";
import {
  CANCEL_RULES,
  CANCELLATION_WINDOW_DAYS,
  type CheckoutCommand,
  checkoutDecider,
  MAX_FAILED_AUTH_ATTEMPTS,
  MIN_INSTALLMENT_AMOUNT_MINOR,
} from "./checkout.decider.ts";
import type { CheckoutEvent, CheckoutItem, InitiatedData } from "./checkout.events.ts";

const checkout = spec(checkoutDecider);
const now = testMeta.now; // 2026-11-27T10:00:00.000Z

// Seed 001's sample order KD14721: 6,000,000 + 2 × 250,000 + 1,000 tax + 9,000 shipping − 5,000 discount.
// The seed sends the discount as a positive price; we store deductions negative, so the items sum to the amount.
const seedItems: CheckoutItem[] = [
  {
    id: "BB12345678",
    name: "iPhone 5S",
    priceMinor: 6_000_000n,
    quantity: 1,
    type: "Smartphone",
    url: "http://merchant.com/cellphones/iphone5s_64g",
  },
  {
    id: "AZ14565678",
    name: "Hailee Sneakers Blink Silver",
    priceMinor: 250_000n,
    quantity: 2,
    type: "Sneakers",
    url: "http://merchant.com/fashion/shoes/sneakers-blink-shoes",
  },
  { id: "taxfee", name: "Tax Fee", priceMinor: 1_000n, quantity: 1 },
  {
    id: "shippingfee",
    name: "Shipping Fee",
    priceMinor: 9_000n,
    quantity: 1,
    parentType: "SELLER",
    parentId: "SELLER456",
  },
  { id: "discount", name: "Discount", priceMinor: -5_000n, quantity: 1 },
];

// Built as a plain object, then typed: it carries initiatedAt whether or not InitiatedData declares it yet.
const orderFields = {
  transactionId: "9ce1596f-bd4e-4fa2-b49f-3537de3f4128",
  merchantId: "merchant-1",
  orderId: "KD14721",
  currency: "VND" as const,
  amountMinor: 6_505_000n,
  tenure: 1 as const,
  items: seedItems,
  details: { source: "ecom" },
  pushUrl: "https://merchant.example/push",
  backToStoreUrl: "https://merchant.example/back",
  requestFingerprint: "fingerprint-1",
  initiatedAt: now,
  expiresAt: "2026-11-28T10:00:00.000Z",
};
const order: InitiatedData = orderFields;

/** An order of one item for `amountMinor`, at a tenure. */
const orderOf = (amountMinor: bigint, tenure: Tenure, itemsTotalMinor = amountMinor): InitiatedData => ({
  ...order,
  amountMinor,
  tenure,
  items: [{ id: "SKU-1", name: "Thing", priceMinor: itemsTotalMinor, quantity: 1 }],
});

const initiate = (data: InitiatedData = order): CheckoutCommand => ({ type: "Initiate", data });
const signIn = (userId: string | undefined, sessionHash = "session-1"): CheckoutCommand => ({
  type: "SignIn",
  userId,
  sessionHash,
});
const verifyOtp = (otpValid: boolean, sessionHash = "session-1"): CheckoutCommand => ({
  type: "VerifyOtp",
  sessionHash,
  otpValid,
});
const approve = (
  hold: { placed: true } | { placed: false; reason: string } = { placed: true },
  { tenure = 1 as Tenure, sessionHash = "session-1", confirmTimeoutSeconds = 30 } = {},
): CheckoutCommand => ({ type: "Approve", sessionHash, tenure, hold, confirmTimeoutSeconds });
// Spelled out rather than taken from DEFAULT_INTEREST_RATES, so the expected amounts below do not move with config.
const rates: InterestRates = { 1: 0, 3: 295, 6: 295, 12: 295 };
/** The merchant's discount rate: 1.5 %. */
const merchantFeeBps = 150;
const settle: CheckoutCommand = { type: "Settle", merchantFeeBps, interestRates: rates };
const abort: CheckoutCommand = { type: "Abort" };
const expire: CheckoutCommand = { type: "Expire" };
const failByMerchant: CheckoutCommand = { type: "Fail", reason: "merchant_reported_failure" };
const failByTimeout: CheckoutCommand = { type: "Fail", reason: "confirmation_timeout" };

const initiatedEvent: CheckoutEvent = { type: "Initiated", data: order };
const signedInEvent: CheckoutEvent = {
  type: "BuyerSignedIn",
  data: { userId: "user-1", sessionHash: "session-1" },
};
const otpVerifiedEvent: CheckoutEvent = { type: "OtpVerified", data: { userId: "user-1" } };
const confirmBy = "2026-11-27T10:00:30.000Z";
const pendingEvent: CheckoutEvent = {
  type: "Pending",
  data: { userId: "user-1", tenure: 1, amountMinor: 6_505_000n, approvedAt: now, confirmBy },
};
const signInFailed = (failedAttempts: number): CheckoutEvent => ({
  type: "BuyerSignInFailed",
  data: { failedAttempts },
});
const otpFailed = (failedAttempts: number): CheckoutEvent => ({
  type: "OtpFailed",
  data: { failedAttempts },
});

const initiated = [initiatedEvent];
const signedIn = [...initiated, signedInEvent];
const otpVerified = [...signedIn, otpVerifiedEvent];
const pending = [...otpVerified, pendingEvent];
// The seed order, 6,505,000 over 1 month: fee 1.5 % = 97,575; interest-free; processing fee 1 % = 65,050.
const settledEvent: CheckoutEvent = {
  type: "Settled",
  data: {
    settledAt: now,
    merchantId: "merchant-1",
    userId: "user-1",
    tenure: 1,
    amountMinor: 6_505_000n,
    merchantFeeMinor: 97_575n,
    interestMinor: 0n,
    processingFeeMinor: 65_050n,
  },
};
const settled = [...pending, settledEvent];
const failed = [...pending, { type: "Failed", data: { reason: "merchant_reported_failure" } } as const];
const denied = [...otpVerified, { type: "Denied", data: { reason: "risk", userId: "user-1" } } as const];
const aborted = [...initiated, { type: "Aborted", data: { by: "user" } } as const];
const expired = [...initiated, { type: "Expired", data: { expiredAt: order.expiresAt } } as const];

// The money core: a 1,000,000 VND loan over 3 months, settled at `now`.
/** `days` days (and `ms` milliseconds) after `now`. */
const at = (days: number, ms = 0) => new Date(Date.parse(now) + days * 86_400_000 + ms).toISOString();

/** A checkout of one item for `amountMinor`, approved at `tenure` and pending at `now`. */
const pendingFor = (
  amountMinor: bigint,
  tenure: Tenure,
  initiatedTenure: Tenure = tenure,
): CheckoutEvent[] => [
  { type: "Initiated", data: orderOf(amountMinor, initiatedTenure) },
  signedInEvent,
  otpVerifiedEvent,
  { type: "Pending", data: { userId: "user-1", tenure, amountMinor, approvedAt: now, confirmBy } },
];
const settledFor = (
  amountMinor: bigint,
  tenure: Tenure,
  shares: { merchantFeeMinor: bigint; interestMinor: bigint; processingFeeMinor: bigint },
  settledAt = now,
): CheckoutEvent => ({
  type: "Settled",
  data: { settledAt, merchantId: "merchant-1", userId: "user-1", tenure, amountMinor, ...shares },
});
// Fee 1.5 % = 15,000; flat interest 2.95 % × 3 months = 88,500; processing fee 1 % = 10,000.
const loanSettled = [
  ...pendingFor(1_000_000n, 3),
  settledFor(1_000_000n, 3, {
    merchantFeeMinor: 15_000n,
    interestMinor: 88_500n,
    processingFeeMinor: 10_000n,
  }),
];

const cancel = (amountMinor: bigint | undefined, cancellationId = "cancel-1"): CheckoutCommand => ({
  type: "Cancel",
  cancellationId,
  amountMinor,
  reason: "Out of stock",
  cancelledBy: "merchant_name",
});
const cancelledEvent = (
  money: {
    amountMinor: bigint;
    remainingMinor: bigint;
    merchantFeeMinor: bigint;
    interestMinor: bigint;
    processingFeeMinor: bigint;
  },
  { cancellationId = "cancel-1", cancelledAt = at(1), afterPayout = false } = {},
): CheckoutEvent => ({
  type: "Cancelled",
  data: {
    cancellationId,
    cancelledAt,
    merchantId: "merchant-1",
    userId: "user-1",
    reason: "Out of stock",
    cancelledBy: "merchant_name",
    afterPayout,
    ...money,
  },
});
// A third of the loan: the shares 5,000 (4,999.995), 29,500 (29,499.97) and 3,333 (3,333.33) round half up.
const firstThird = {
  amountMinor: 333_333n,
  remainingMinor: 666_667n,
  merchantFeeMinor: 5_000n,
  interestMinor: 29_500n,
  processingFeeMinor: 3_333n,
};
// The rest: exactly what the first cancellation left of each share.
const theRest = {
  amountMinor: 666_667n,
  remainingMinor: 0n,
  merchantFeeMinor: 10_000n,
  interestMinor: 59_000n,
  processingFeeMinor: 6_667n,
};
const everything = {
  amountMinor: 1_000_000n,
  remainingMinor: 0n,
  merchantFeeMinor: 15_000n,
  interestMinor: 88_500n,
  processingFeeMinor: 10_000n,
};
const partlyCancelled = [...loanSettled, cancelledEvent(firstThird)];
const fullyCancelled = [
  ...partlyCancelled,
  cancelledEvent(theRest, { cancellationId: "cancel-2", cancelledAt: at(2) }),
];

const markPaid = (payoutId = "payout-1", bankReference = "UTR-1"): CheckoutCommand => ({
  type: "MarkPaid",
  payoutId,
  bankReference,
});
const paidEvent = (payoutId = "payout-1", paidAt = at(3), bankReference = "UTR-1"): CheckoutEvent => ({
  type: "Paid",
  data: { payoutId, paidAt, bankReference },
});
const paidOut = [...loanSettled, paidEvent()];

describe("checkout decider", () => {
  describe("when no checkout exists", () => {
    it("the seed's sample order, discount stored negative, is initiated", () => {
      checkout.given([]).when(initiate()).yields([initiatedEvent]);
    });
    it("the seed's sample order at a 3-month tenure meets the installment minimum", () => {
      checkout
        .given([])
        .when(initiate({ ...order, tenure: 3 }))
        .yields([{ type: "Initiated", data: { ...order, tenure: 3 } }]);
    });
    it("a zero amount is rejected", () => {
      checkout
        .given([])
        .when(initiate(orderOf(0n, 1)))
        .rejects("amount_must_be_positive");
    });
    it("a negative amount is rejected", () => {
      checkout
        .given([])
        .when(initiate(orderOf(-1n, 1)))
        .rejects("amount_must_be_positive");
    });
    it("an amount other than the items' total is rejected", () => {
      checkout
        .given([])
        .when(initiate(orderOf(1_000_000n, 1, 999_999n)))
        .rejects("amount_must_equal_items_total");
    });
    it("the seed's discount taken as a positive price does not add up to the amount", () => {
      const positiveDiscount = seedItems.map((item) =>
        item.id === "discount" ? { ...item, priceMinor: 5_000n } : item,
      );
      checkout
        .given([])
        .when(initiate({ ...order, items: positiveDiscount }))
        .rejects("amount_must_equal_items_total");
    });
    it.each([3, 6, 12] as const)("a %i-month tenure needs at least 700,000 VND", (tenure) => {
      expect(MIN_INSTALLMENT_AMOUNT_MINOR).toBe(700_000n);
      checkout
        .given([])
        .when(initiate(orderOf(699_999n, tenure)))
        .rejects("amount_must_meet_tenure_minimum");
      checkout
        .given([])
        .when(initiate(orderOf(700_000n, tenure)))
        .yields([{ type: "Initiated", data: orderOf(700_000n, tenure) }]);
    });
    it("a 1-month tenure has no minimum", () => {
      checkout
        .given([])
        .when(initiate(orderOf(1n, 1)))
        .yields([{ type: "Initiated", data: orderOf(1n, 1) }]);
    });
    it("Initiate checks its rules in precedence order", () => {
      // Each row breaks its rule and every later one at once.
      const rows: { rule: string; data: InitiatedData }[] = [
        { rule: "amount_must_be_positive", data: orderOf(0n, 3, 100n) },
        { rule: "amount_must_equal_items_total", data: orderOf(100n, 3, 200n) },
        { rule: "amount_must_meet_tenure_minimum", data: orderOf(100n, 3) },
      ];
      for (const row of rows) checkout.given([]).when(initiate(row.data)).rejects(row.rule);
    });
    it("buyer and merchant commands are rejected: there is no transaction", () => {
      for (const command of [signIn("user-1"), verifyOtp(true), approve(), abort, settle, failByMerchant])
        checkout.given([]).when(command).rejects("transaction_must_exist");
    });
    it("a timeout or an expiry finds nothing to do", () => {
      checkout.given([]).when(failByTimeout).yields([]);
      checkout.given([]).when(expire).yields([]);
    });
  });

  describe("when initiated", () => {
    it("the same request again is a retry: nothing new happens", () => {
      checkout.given(initiated).when(initiate()).yields([]);
    });
    it("a different request under the same order id is refused", () => {
      checkout
        .given(initiated)
        .when(initiate({ ...order, amountMinor: 1n, requestFingerprint: "fingerprint-2" }))
        .rejects("order_id_must_be_unique");
    });
    it("the buyer signs in", () => {
      checkout.given(initiated).when(signIn("user-1")).yields([signedInEvent]);
    });
    it("a wrong PIN is recorded, not rejected", () => {
      checkout
        .given(initiated)
        .when(signIn(undefined))
        .yields([signInFailed(1)]);
    });
    it("an OTP before sign-in is rejected", () => {
      checkout.given(initiated).when(verifyOtp(true)).rejects("session_must_be_signed_in");
    });
    it("an approval before sign-in is rejected", () => {
      checkout.given(initiated).when(approve()).rejects("session_must_be_signed_in");
    });
    it("the buyer aborts, once", () => {
      checkout
        .given(initiated)
        .when(abort)
        .yields([{ type: "Aborted", data: { by: "user" } }]);
    });
    it("expiry before expiresAt does nothing", () => {
      checkout.given(initiated).when(expire, { now: "2026-11-28T09:59:59.999Z" }).yields([]);
    });
    it("expiry from expiresAt on expires it", () => {
      checkout
        .given(initiated)
        .when(expire, { now: order.expiresAt })
        .yields([{ type: "Expired", data: { expiredAt: order.expiresAt } }]);
    });
    it("settling or failing is rejected: nothing is pending", () => {
      checkout.given(initiated).when(settle).rejects("transaction_must_be_pending");
      checkout.given(initiated).when(failByMerchant).rejects("transaction_must_be_pending");
    });
    it("a confirmation timer firing finds nothing to do", () => {
      checkout.given(initiated).when(failByTimeout).yields([]);
    });
  });

  describe("failed sign-in and OTP attempts", () => {
    // The lock comes with the MAX_FAILED_AUTH_ATTEMPTS-th failure, as the code does; the constant's doc comment
    // ("one more than this locks the checkout") reads as the failure after it. One of the two is off by one.
    it(`the ${MAX_FAILED_AUTH_ATTEMPTS}th wrong PIN locks the checkout`, () => {
      const nearlyLocked: CheckoutEvent[] = [...initiated];
      for (let n = 1; n < MAX_FAILED_AUTH_ATTEMPTS; n++) nearlyLocked.push(signInFailed(n));
      checkout
        .given(nearlyLocked)
        .when(signIn(undefined))
        .yields([
          signInFailed(MAX_FAILED_AUTH_ATTEMPTS),
          { type: "Denied", data: { reason: "too_many_failed_attempts", userId: undefined } },
        ]);
    });
    it("one short of the lock, the buyer may still sign in", () => {
      const nearlyLocked: CheckoutEvent[] = [...initiated];
      for (let n = 1; n < MAX_FAILED_AUTH_ATTEMPTS; n++) nearlyLocked.push(signInFailed(n));
      checkout.given(nearlyLocked).when(signIn("user-1")).yields([signedInEvent]);
    });
    it("wrong PINs and wrong OTPs count together", () => {
      checkout
        .given([...initiated, signInFailed(1), signInFailed(2), signedInEvent, otpFailed(3)])
        .when(verifyOtp(false))
        .yields([otpFailed(4)]);
    });
    it("a lock by wrong OTPs names the signed-in buyer", () => {
      checkout
        .given([...initiated, signInFailed(1), signInFailed(2), signedInEvent, otpFailed(3), otpFailed(4)])
        .when(verifyOtp(false))
        .yields([
          otpFailed(5),
          { type: "Denied", data: { reason: "too_many_failed_attempts", userId: "user-1" } },
        ]);
    });
    it("once locked, the buyer can no longer sign in", () => {
      const locked = checkout
        .given([...initiated, signInFailed(1), signInFailed(2), signInFailed(3), signInFailed(4)])
        .when(signIn(undefined))
        .state();
      expect(locked.phase).toBe("denied");
      expect(locked.failedAuthAttempts).toBe(MAX_FAILED_AUTH_ATTEMPTS);
      checkout
        .given([
          ...initiated,
          signInFailed(1),
          signInFailed(2),
          signInFailed(3),
          signInFailed(4),
          signInFailed(5),
          { type: "Denied", data: { reason: "too_many_failed_attempts" } },
        ])
        .when(signIn("user-1"))
        .rejects("checkout_must_await_buyer");
    });
  });

  describe("when signed in", () => {
    it("a valid OTP verifies the buyer", () => {
      checkout.given(signedIn).when(verifyOtp(true)).yields([otpVerifiedEvent]);
    });
    it("a wrong OTP is recorded, not rejected", () => {
      checkout
        .given(signedIn)
        .when(verifyOtp(false))
        .yields([otpFailed(1)]);
    });
    it("an OTP from another session is rejected", () => {
      checkout.given(signedIn).when(verifyOtp(true, "session-2")).rejects("session_must_be_signed_in");
    });
    it("an approval before the OTP is out of order", () => {
      checkout.given(signedIn).when(approve()).rejects("checkout_step_out_of_order");
    });
  });

  describe("when the OTP is verified", () => {
    it("a second OTP is out of order", () => {
      checkout.given(otpVerified).when(verifyOtp(true)).rejects("checkout_step_out_of_order");
    });
    it("an approval with the hold placed makes it pending until now + the confirmation timeout", () => {
      checkout.given(otpVerified).when(approve()).yields([pendingEvent]);
    });
    it("the confirmation deadline is counted from the command's time", () => {
      checkout
        .given(otpVerified)
        .when(approve({ placed: true }, { tenure: 3, confirmTimeoutSeconds: 90 }), {
          now: "2026-12-31T23:59:00.000Z",
        })
        .yields([
          {
            type: "Pending",
            data: {
              userId: "user-1",
              tenure: 3,
              amountMinor: 6_505_000n,
              approvedAt: "2026-12-31T23:59:00.000Z",
              confirmBy: "2027-01-01T00:00:30.000Z",
            },
          },
        ]);
    });
    it("an approval whose hold the credit line refused denies it, with the credit line's reason", () => {
      checkout
        .given(otpVerified)
        .when(approve({ placed: false, reason: "credit_limit_must_cover_amount" }))
        .yields([{ type: "Denied", data: { reason: "credit_limit_must_cover_amount", userId: "user-1" } }]);
    });
    it("an installment tenure chosen on our page must meet the minimum too", () => {
      const small = { type: "Initiated", data: orderOf(500_000n, 1) } as const;
      checkout
        .given([small, signedInEvent, otpVerifiedEvent])
        .when(approve({ placed: true }, { tenure: 3 }))
        .rejects("amount_must_meet_tenure_minimum");
    });
    it("an approval from another session is rejected", () => {
      checkout
        .given(otpVerified)
        .when(approve({ placed: true }, { sessionHash: "session-2" }))
        .rejects("session_must_be_signed_in");
    });
    it("the buyer may still abort", () => {
      checkout
        .given(otpVerified)
        .when(abort)
        .yields([{ type: "Aborted", data: { by: "user" } }]);
    });
  });

  describe("when pending", () => {
    it("the merchant's confirmation settles it", () => {
      checkout.given(pending).when(settle).yields([settledEvent]);
    });
    it("the merchant reports a failure", () => {
      checkout
        .given(pending)
        .when(failByMerchant)
        .yields([{ type: "Failed", data: { reason: "merchant_reported_failure" } }]);
    });
    it("a timeout before the deadline is rejected", () => {
      checkout
        .given(pending)
        .when(failByTimeout, { now: "2026-11-27T10:00:29.999Z" })
        .rejects("confirmation_window_must_have_passed");
    });
    it.each([confirmBy, "2026-11-27T11:00:00.000Z"])("a timeout at %s fails it", (at) => {
      checkout
        .given(pending)
        .when(failByTimeout, { now: at })
        .yields([{ type: "Failed", data: { reason: "confirmation_timeout" } }]);
    });
    it("the buyer can no longer abort, sign in or verify", () => {
      checkout.given(pending).when(abort).rejects("checkout_must_await_buyer");
      checkout.given(pending).when(signIn("user-1")).rejects("checkout_must_await_buyer");
      checkout.given(pending).when(verifyOtp(true)).rejects("checkout_must_await_buyer");
    });
    it("it does not expire: its own deadline fails it", () => {
      checkout.given(pending).when(expire, { now: "2026-11-29T00:00:00.000Z" }).yields([]);
    });
    it("a confirmation after the deadline is refused, whether or not the timer has fired", () => {
      checkout
        .given(pending)
        .when(settle, { now: "2026-11-27T10:00:31.000Z" })
        .rejects("confirmation_window_must_be_open");
    });
  });

  describe("when pending: what the settlement carries", () => {
    it("the seed's example, 1,000,000 over 1 month: no interest, processing fee 10,000", () => {
      checkout
        .given(pendingFor(1_000_000n, 1))
        .when(settle)
        .yields([
          settledFor(1_000_000n, 1, {
            merchantFeeMinor: 15_000n,
            interestMinor: 0n,
            processingFeeMinor: 10_000n,
          }),
        ]);
    });
    it("1,000,000 over 3 months: flat interest 2.95 % a month = 88,500", () => {
      checkout
        .given(pendingFor(1_000_000n, 3))
        .when(settle)
        .yields([
          settledFor(1_000_000n, 3, {
            merchantFeeMinor: 15_000n,
            interestMinor: 88_500n,
            processingFeeMinor: 10_000n,
          }),
        ]);
    });
    it("the seed order over 3 months: interest 575,692.5 rounds half up to 575,693", () => {
      checkout
        .given(pendingFor(6_505_000n, 3))
        .when(settle)
        .yields([
          settledFor(6_505_000n, 3, {
            merchantFeeMinor: 97_575n,
            interestMinor: 575_693n,
            processingFeeMinor: 65_050n,
          }),
        ]);
    });
    it("the merchant's fee rate and the interest rates come with the command", () => {
      checkout
        .given(pendingFor(1_000_000n, 3))
        .when({ type: "Settle", merchantFeeBps: 0, interestRates: { 1: 0, 3: 100, 6: 100, 12: 100 } })
        .yields([
          settledFor(1_000_000n, 3, {
            merchantFeeMinor: 0n,
            interestMinor: 30_000n,
            processingFeeMinor: 10_000n,
          }),
        ]);
    });
    it("the tenure the buyer chose on our page is the one settled", () => {
      checkout
        .given(pendingFor(1_000_000n, 3, 1))
        .when(settle)
        .yields([
          settledFor(1_000_000n, 3, {
            merchantFeeMinor: 15_000n,
            interestMinor: 88_500n,
            processingFeeMinor: 10_000n,
          }),
        ]);
    });
    it("it is settled at the confirmation's time", () => {
      checkout
        .given(pendingFor(1_000_000n, 1))
        .when(settle, { now: "2026-11-27T10:00:29.999Z" })
        .yields([
          settledFor(
            1_000_000n,
            1,
            { merchantFeeMinor: 15_000n, interestMinor: 0n, processingFeeMinor: 10_000n },
            "2026-11-27T10:00:29.999Z",
          ),
        ]);
    });
    it("a cancellation or a payout is refused: it is not settled", () => {
      checkout.given(pending).when(cancel(undefined)).rejects("transaction_must_be_settled");
      checkout.given(pending).when(markPaid()).rejects("transaction_must_be_settled");
    });
  });

  describe("when settled", () => {
    it("a repeated confirmation is a no-op", () => {
      checkout.given(settled).when(settle).yields([]);
    });
    it("a failure report is refused", () => {
      checkout.given(settled).when(failByMerchant).rejects("transaction_already_settled");
    });
    it("a late confirmation timer finds nothing to do", () => {
      checkout.given(settled).when(failByTimeout, { now: "2026-11-27T10:05:00.000Z" }).yields([]);
    });
    it("it can no longer be aborted", () => {
      checkout.given(settled).when(abort).rejects("checkout_must_await_buyer");
    });
    it("a partial cancellation takes back proportional shares of fee, interest and processing fee", () => {
      checkout
        .given(loanSettled)
        .when(cancel(333_333n), { now: at(1) })
        .yields([cancelledEvent(firstThird)]);
    });
    it("a partial cancellation leaves it settled", () => {
      const after = checkout
        .given(loanSettled)
        .when(cancel(333_333n), { now: at(1) })
        .state();
      expect(after.phase).toBe("settled");
      expect(after.cancelled).toEqual({
        amountMinor: 333_333n,
        merchantFeeMinor: 5_000n,
        interestMinor: 29_500n,
        processingFeeMinor: 3_333n,
      });
    });
    it("a cancellation without an amount cancels everything, and the checkout is cancelled", () => {
      const step = checkout.given(loanSettled).when(cancel(undefined), { now: at(1) });
      step.yields([cancelledEvent(everything)]);
      expect(step.state().phase).toBe("cancelled");
    });
    it("a cancellation of exactly the amount is a full one", () => {
      const step = checkout.given(loanSettled).when(cancel(1_000_000n), { now: at(1) });
      step.yields([cancelledEvent(everything)]);
      expect(step.state().phase).toBe("cancelled");
    });
    it("the seed order cancelled in full takes back all of its fee and processing fee", () => {
      checkout
        .given(settled)
        .when(cancel(undefined), { now: at(1) })
        .yields([
          cancelledEvent({
            amountMinor: 6_505_000n,
            remainingMinor: 0n,
            merchantFeeMinor: 97_575n,
            interestMinor: 0n,
            processingFeeMinor: 65_050n,
          }),
        ]);
    });
    it("more than the amount is refused", () => {
      checkout
        .given(loanSettled)
        .when(cancel(1_000_001n), { now: at(1) })
        .rejects("cancel_amount_must_not_exceed_remaining");
    });
    it("a zero or negative amount is refused", () => {
      checkout.given(loanSettled).when(cancel(0n)).rejects("cancel_amount_must_be_positive");
      checkout.given(loanSettled).when(cancel(-1n)).rejects("cancel_amount_must_be_positive");
    });
    it(`it may be cancelled up to ${CANCELLATION_WINDOW_DAYS} days after settlement, not a millisecond later`, () => {
      expect(CANCELLATION_WINDOW_DAYS).toBe(20);
      checkout
        .given(loanSettled)
        .when(cancel(undefined), { now: at(20) })
        .yields([cancelledEvent(everything, { cancelledAt: at(20) })]);
      checkout
        .given(loanSettled)
        .when(cancel(undefined), { now: at(20, 1) })
        .rejects("cancellation_window_must_be_open");
      checkout
        .given(loanSettled)
        .when(cancel(1n), { now: at(45) })
        .rejects("cancellation_window_must_be_open");
    });
    it("the window counts from the settlement, not from the initiation", () => {
      const settledLater = [
        ...pendingFor(1_000_000n, 3),
        settledFor(
          1_000_000n,
          3,
          { merchantFeeMinor: 15_000n, interestMinor: 88_500n, processingFeeMinor: 10_000n },
          at(0, 20_000),
        ),
      ];
      checkout
        .given(settledLater)
        .when(cancel(undefined), { now: at(20, 20_000) })
        .yields([cancelledEvent(everything, { cancelledAt: at(20, 20_000) })]);
    });
    it("the merchant's payout is recorded", () => {
      checkout
        .given(loanSettled)
        .when(markPaid("payout-1", "UTR-1"), { now: at(3) })
        .yields([paidEvent("payout-1", at(3), "UTR-1")]);
    });
  });

  describe("when partly cancelled", () => {
    it("cancelling the rest takes the exact rest of every share, and the checkout is cancelled", () => {
      const step = checkout.given(partlyCancelled).when(cancel(666_667n, "cancel-2"), { now: at(2) });
      step.yields([cancelledEvent(theRest, { cancellationId: "cancel-2", cancelledAt: at(2) })]);
      const after = step.state();
      expect(after.phase).toBe("cancelled");
      expect(after.cancelled).toEqual({
        amountMinor: 1_000_000n,
        merchantFeeMinor: 15_000n,
        interestMinor: 88_500n,
        processingFeeMinor: 10_000n,
      });
    });
    it("a cancellation without an amount takes the rest", () => {
      checkout
        .given(partlyCancelled)
        .when(cancel(undefined, "cancel-2"), { now: at(2) })
        .yields([cancelledEvent(theRest, { cancellationId: "cancel-2", cancelledAt: at(2) })]);
    });
    it("another partial one is proportional again, and the last of three takes the exact rest", () => {
      const second = { ...firstThird, remainingMinor: 333_334n };
      checkout
        .given(partlyCancelled)
        .when(cancel(333_333n, "cancel-2"), { now: at(2) })
        .yields([cancelledEvent(second, { cancellationId: "cancel-2", cancelledAt: at(2) })]);
      checkout
        .given([
          ...partlyCancelled,
          cancelledEvent(second, { cancellationId: "cancel-2", cancelledAt: at(2) }),
        ])
        .when(cancel(333_334n, "cancel-3"), { now: at(3) })
        .yields([
          cancelledEvent(
            {
              amountMinor: 333_334n,
              remainingMinor: 0n,
              merchantFeeMinor: 5_000n,
              interestMinor: 29_500n,
              processingFeeMinor: 3_334n,
            },
            { cancellationId: "cancel-3", cancelledAt: at(3) },
          ),
        ]);
    });
    it("more than what remains is refused", () => {
      checkout
        .given(partlyCancelled)
        .when(cancel(666_668n, "cancel-2"), { now: at(2) })
        .rejects("cancel_amount_must_not_exceed_remaining");
    });
    it("the refusal names the transaction, the amount asked and what is left, for the merchant's message", () => {
      const state = fold(checkoutDecider, partlyCancelled);
      let refusal: unknown;
      try {
        checkoutDecider.decide(cancel(666_668n, "cancel-2"), state, { ...testMeta, now: at(2) });
      } catch (error) {
        refusal = error;
      }
      expect(refusal).toMatchObject({
        rule: "cancel_amount_must_not_exceed_remaining",
        detail: { transactionId: order.transactionId, amountMinor: 666_668n, remainingMinor: 666_667n },
      });
    });
    it("the window still counts from the settlement", () => {
      checkout
        .given(partlyCancelled)
        .when(cancel(1n, "cancel-2"), { now: at(20, 1) })
        .rejects("cancellation_window_must_be_open");
    });
    it("a repeated confirmation is still a no-op", () => {
      checkout.given(partlyCancelled).when(settle).yields([]);
    });
    // Suspected bug: every other money command is idempotent by its id (MarkPaid by payoutId, Repay by
    // repaymentId, CancelLoan by cancellationId, Payout by payoutId), but Cancel keeps no cancellation ids:
    // the same command re-decided (a retry after a lost acknowledgement) cancels the amount a second time.
    // The gateway mints a new id per HTTP request on purpose (the seed has no key to dedupe a retried
    // partial); this is about the same command, same id, arriving twice.
    it("the same cancellation re-sent is a retry: nothing new happens", () => {
      checkout
        .given(partlyCancelled)
        .when(cancel(333_333n, "cancel-1"), { now: at(1) })
        .yields([]);
    });
  });

  describe("when cancelled", () => {
    it("a further cancellation is refused, with or without an amount", () => {
      checkout
        .given(fullyCancelled)
        .when(cancel(1n, "cancel-3"), { now: at(3) })
        .rejects("transaction_already_cancelled");
      checkout
        .given(fullyCancelled)
        .when(cancel(undefined, "cancel-3"), { now: at(3) })
        .rejects("transaction_already_cancelled");
    });
    it("a single full cancellation closes it the same way", () => {
      checkout
        .given([...loanSettled, cancelledEvent(everything)])
        .when(cancel(undefined, "cancel-2"), { now: at(2) })
        .rejects("transaction_already_cancelled");
    });
    it("the payout that covered it may still be recorded", () => {
      checkout
        .given(fullyCancelled)
        .when(markPaid(), { now: at(3) })
        .yields([paidEvent()]);
    });
  });

  describe("when paid out", () => {
    it("a cancellation is owed back by the merchant: afterPayout", () => {
      checkout
        .given(paidOut)
        .when(cancel(333_333n), { now: at(4) })
        .yields([cancelledEvent(firstThird, { cancelledAt: at(4), afterPayout: true })]);
    });
    it("a full cancellation after the payout cancels it, owed back by the merchant", () => {
      const step = checkout.given(paidOut).when(cancel(undefined), { now: at(4) });
      step.yields([cancelledEvent(everything, { cancelledAt: at(4), afterPayout: true })]);
      expect(step.state().phase).toBe("cancelled");
    });
    it("of two partial cancellations, only the one after the payout is afterPayout", () => {
      checkout
        .given([...partlyCancelled, paidEvent()])
        .when(cancel(undefined, "cancel-2"), { now: at(4) })
        .yields([
          cancelledEvent(theRest, { cancellationId: "cancel-2", cancelledAt: at(4), afterPayout: true }),
        ]);
    });
    it("the same payout recorded again is a no-op", () => {
      checkout
        .given(paidOut)
        .when(markPaid("payout-1", "UTR-1"), { now: at(5) })
        .yields([]);
    });
    it("another payout is refused: a transaction is paid at most once", () => {
      checkout.given(paidOut).when(markPaid("payout-2", "UTR-2")).rejects("transaction_already_paid");
    });
    it("the cancellation window still counts from the settlement", () => {
      checkout
        .given(paidOut)
        .when(cancel(1n), { now: at(21) })
        .rejects("cancellation_window_must_be_open");
    });
  });

  it("Cancel checks its rules in precedence order (seed codes 2018, 2011, 2016, 2015, 2017, 2013)", () => {
    const late = at(21);
    // Each row breaks its rule and every later one that state allows (a negative amount never exceeds what
    // remains; a checkout without a settlement has no window).
    const rows: { code: number; rule: string; given: CheckoutEvent[]; command: CheckoutCommand }[] = [
      { code: 2018, rule: "transaction_must_exist", given: [], command: cancel(0n) },
      { code: 2011, rule: "cancel_amount_must_be_positive", given: fullyCancelled, command: cancel(-1n) },
      {
        code: 2016,
        rule: "transaction_already_cancelled",
        given: fullyCancelled,
        command: cancel(1n, "cancel-new"),
      },
      { code: 2015, rule: "transaction_must_be_settled", given: pending, command: cancel(7_000_000n) },
      {
        code: 2017,
        rule: "cancellation_window_must_be_open",
        given: partlyCancelled,
        command: cancel(666_668n, "cancel-late"),
      },
      {
        code: 2013,
        rule: "cancel_amount_must_not_exceed_remaining",
        given: partlyCancelled,
        command: cancel(666_668n, "cancel-over"),
      },
    ];
    expect(rows.map((row) => row.rule)).toEqual(CANCEL_RULES);
    for (const row of rows) {
      // Only the last row is inside the window: every earlier one is late as well.
      const when = row.code === 2013 ? at(1) : late;
      checkout.given(row.given).when(row.command, { now: when }).rejects(row.rule);
    }
  });

  describe("when no longer open to settlement", () => {
    it("a cancellation is refused unless it was settled", () => {
      for (const history of [initiated, failed, denied, aborted, expired])
        checkout.given(history).when(cancel(undefined)).rejects("transaction_must_be_settled");
    });
    it("a payout is refused unless it was settled", () => {
      for (const history of [initiated, failed, denied, aborted, expired])
        checkout.given(history).when(markPaid()).rejects("transaction_must_be_settled");
    });
  });

  describe("when failed", () => {
    it("a confirmation is refused", () => {
      checkout.given(failed).when(settle).rejects("transaction_already_failed");
    });
    it("a repeated failure report is a no-op", () => {
      checkout.given(failed).when(failByMerchant).yields([]);
    });
    it("the confirmation timer firing after it is a no-op", () => {
      checkout.given(failed).when(failByTimeout, { now: "2026-11-27T10:05:00.000Z" }).yields([]);
    });
  });

  describe("when denied", () => {
    it("nothing more happens to it", () => {
      checkout.given(denied).when(approve()).rejects("checkout_must_await_buyer");
      checkout.given(denied).when(abort).rejects("checkout_must_await_buyer");
      checkout.given(denied).when(settle).rejects("transaction_must_be_pending");
      checkout.given(denied).when(expire, { now: "2026-11-29T00:00:00.000Z" }).yields([]);
    });
  });

  describe("when aborted", () => {
    it("aborting again is a no-op", () => {
      checkout.given(aborted).when(abort).yields([]);
    });
    it("the buyer can no longer sign in, nor the merchant confirm", () => {
      checkout.given(aborted).when(signIn("user-1")).rejects("checkout_must_await_buyer");
      checkout.given(aborted).when(settle).rejects("transaction_must_be_pending");
    });
  });

  describe("when expired", () => {
    it("expiring again is a no-op", () => {
      checkout.given(expired).when(expire, { now: "2026-11-29T00:00:00.000Z" }).yields([]);
    });
    it("the buyer can no longer sign in or abort", () => {
      checkout.given(expired).when(signIn("user-1")).rejects("checkout_must_await_buyer");
      checkout.given(expired).when(abort).rejects("checkout_must_await_buyer");
    });
  });

  describe("evolve refuses an impossible history", () => {
    const failedEvent = { type: "Failed", data: { reason: "confirmation_timeout" } } as const;
    const impossible: [string, CheckoutEvent[]][] = [
      ["initiated twice", [initiatedEvent, initiatedEvent]],
      ["pending before the OTP", [...signedIn, pendingEvent]],
      ["pending twice", [...pending, pendingEvent]],
      ["settled without being pending", [...otpVerified, settledEvent]],
      ["settled twice", [...settled, settledEvent]],
      ["settled after failing", [...failed, settledEvent]],
      ["failed after settling", [...settled, failedEvent]],
      ["failed without being pending", [...initiated, failedEvent]],
      ["cancelled before settling", [...pending, cancelledEvent(everything)]],
      ["cancelled once fully cancelled", [...fullyCancelled, cancelledEvent(firstThird)]],
      [
        "cancellations beyond the amount",
        [...partlyCancelled, cancelledEvent({ ...theRest, amountMinor: 666_668n })],
      ],
      ["paid out twice", [...paidOut, paidEvent("payout-2")]],
    ];
    it.each(impossible)("%s", (_name, history) => {
      expect(() => fold(checkoutDecider, history)).toThrow(InvariantViolation);
    });
  });
});
