import { describe, expect, it } from "vitest";
import type { OpenItem } from "../queries.ts";
import { openBalances } from "./payout-run.ts";

const item = (
  merchantId: string,
  currency: OpenItem["currency"],
  over: Partial<OpenItem> = {},
): OpenItem => ({
  merchantId,
  currency,
  kind: "settled",
  transactionId: `${merchantId}-${currency}-1`,
  payableMinor: 1_000n,
  receivableMinor: 0n,
  ...over,
});

describe("open balances", () => {
  it("are one per merchant and currency, by merchant, then currency: never summed across currencies", () => {
    const balances = openBalances([
      item("m2", "VND", { payableMinor: 980_000n }),
      item("m1", "VND", { payableMinor: 49_000n }),
      item("m2", "INR", { payableMinor: 100_056n }),
      item("m2", "VND", { kind: "cancel_payable", transactionId: "m2-VND-1", payableMinor: -98_000n }),
      item("m2", "INR", {
        kind: "cancel_receivable",
        transactionId: "m2-INR-0",
        payableMinor: 0n,
        receivableMinor: 56n,
      }),
    ]);
    expect(balances).toEqual([
      {
        merchantId: "m1",
        currency: "VND",
        payableMinor: 49_000n,
        receivableMinor: 0n,
        transactionIds: ["m1-VND-1"],
      },
      {
        merchantId: "m2",
        currency: "INR",
        payableMinor: 100_056n,
        receivableMinor: 56n,
        transactionIds: ["m2-INR-1"],
      },
      {
        merchantId: "m2",
        currency: "VND",
        payableMinor: 882_000n,
        receivableMinor: 0n,
        transactionIds: ["m2-VND-1"],
      },
    ]);
  });

  it("are none without open items", () => {
    expect(openBalances([])).toEqual([]);
  });
});
