import { describe, expect, it } from "vitest";
import { PAYMENT_TITLE, paymentBanner } from "./payment-banner.ts";

describe("the payment banner", () => {
  it("an Active user with ₹1,00,000.00 available and a covered invoice gets the seed's banner", () => {
    expect(paymentBanner("Active", 10_000_000n, 100_000n)).toMatchObject({
      show: true,
      title: PAYMENT_TITLE,
      subTitle: "Available Credit Rs 100000",
      landingType: "INVOICE",
    });
  });
  it("rupees are the integer part of the available amount", () => {
    expect(paymentBanner("Active", 50_099n, undefined).subTitle).toBe("Available Credit Rs 500");
  });
  it("an invoice above the available credit is said to be unpayable by credit", () => {
    expect(paymentBanner("Active", 50_000n, 50_001n).subTitle).toBe(
      "Available Credit Rs 500 is less than this invoice; it cannot be paid by credit",
    );
  });
  it.each([
    ["IncompleteProfile", true],
    ["UnderReview", true],
    ["Rejected", false],
  ] as const)("a user %s lands on onboarding (DEFAULT), shown: %s", (state, show) => {
    expect(paymentBanner(state, 0n, 100n)).toMatchObject({ show, landingType: "DEFAULT" });
  });
});
