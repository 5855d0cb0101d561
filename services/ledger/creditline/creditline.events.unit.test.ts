import { describe, expect, it } from "vitest";
import { creditLineCodec } from "./creditline.events.ts";

// Stored v1 events, exactly as the log holds them: they are upcast on read, never rewritten.
describe("credit line events stored before products", () => {
  it("a v1 limit reads as a Kredivo VND instalment line's", () => {
    const stored = {
      type: "CreditLimitSet",
      schemaVersion: 1,
      data: {
        userId: "user-1",
        currency: "VND",
        totalMinor: "10000000",
        perTenureMinor: [{ tenure: 3, limitMinor: "5000000" }],
        setBy: "risk-officer",
        reason: "onboarding",
      },
    };
    expect(creditLineCodec.decode(stored)).toEqual({
      type: "CreditLimitSet",
      data: {
        product: "kredivo",
        userId: "user-1",
        currency: "VND",
        kind: "instalment",
        totalMinor: 10_000_000n,
        perTenureMinor: [{ tenure: 3, limitMinor: 5_000_000n }],
        setBy: "risk-officer",
        reason: "onboarding",
      },
    });
  });
  it.each(["CreditHeld", "CreditHoldCaptured"])("a v1 %s reads with its tenure", (type) => {
    const stored = {
      type,
      schemaVersion: 1,
      data: { transactionId: "tx-1", amountMinor: "700000", tenure: 3 },
    };
    expect(creditLineCodec.decode(stored)).toEqual({
      type,
      data: { transactionId: "tx-1", amountMinor: 700_000n, tenure: 3 },
    });
  });
  it("a v1 release reads with its tenure and reason", () => {
    const data = { transactionId: "tx-1", amountMinor: "1", tenure: 12, reason: "aborted" };
    expect(creditLineCodec.decode({ type: "CreditHoldReleased", schemaVersion: 1, data })).toEqual({
      type: "CreditHoldReleased",
      data: { ...data, amountMinor: 1n },
    });
  });
  describe("a v1 LoanCancelled, which carried the refund as one total", () => {
    const v1 = (principal: string, interest: string, fee: string, refundDue: string) => ({
      type: "LoanCancelled",
      schemaVersion: 1,
      data: {
        transactionId: "tx-1",
        cancellationId: "c-1",
        principalMinor: principal,
        interestMinor: interest,
        feeMinor: fee,
        refundDueMinor: refundDue,
      },
    });
    const read = (stored: ReturnType<typeof v1>) => {
      const event = creditLineCodec.decode(stored);
      return event.type === "LoanCancelled" ? event.data.refundDue : undefined;
    };
    it("reads its refund as principal when the cancelled principal covers it", () => {
      expect(read(v1("500000", "0", "5000", "95000"))).toEqual({
        principalMinor: 95_000n,
        interestMinor: 0n,
        feeMinor: 0n,
      });
    });
    it("reads the rest as interest, then fee, each up to what was cancelled of it", () => {
      expect(read(v1("1000", "300", "50", "1320"))).toEqual({
        principalMinor: 1_000n,
        interestMinor: 300n,
        feeMinor: 20n,
      });
    });
    it("reads no refund as none", () => {
      expect(read(v1("1000", "300", "50", "0"))).toEqual({
        principalMinor: 0n,
        interestMinor: 0n,
        feeMinor: 0n,
      });
    });
  });

  it("new events are stored as the current version and read back unchanged", () => {
    const event = {
      type: "CreditLimitSet" as const,
      data: {
        product: "kredmint" as const,
        userId: "USR-2225",
        currency: "INR" as const,
        kind: "revolving" as const,
        totalMinor: 10_000_056n,
        setBy: "ops",
        reason: "onboarding",
      },
    };
    const stored = creditLineCodec.encode(event);
    expect(stored).toMatchObject({ schemaVersion: 2, data: { totalMinor: "10000056", kind: "revolving" } });
    expect(creditLineCodec.decode(stored)).toEqual(event);
  });
});
