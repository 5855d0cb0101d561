import type { Currency } from "../../../contracts/money.ts";
import type { OpenItem } from "../queries.ts";

/** What a merchant is owed in one currency: settled unpaid payable, and what it owes us back. */
export interface MerchantBalance {
  readonly merchantId: string;
  readonly currency: Currency;
  payableMinor: bigint;
  receivableMinor: bigint;
  /** The settled transactions the payout covers (and marks Paid). */
  readonly transactionIds: string[];
}

interface ByMerchantAndCurrency {
  readonly merchantId: string;
  readonly currency: Currency;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The order a run pays in and answers in: by merchant, then currency. */
export const byMerchantAndCurrency = (a: ByMerchantAndCurrency, b: ByMerchantAndCurrency) =>
  compare(a.merchantId, b.merchantId) || compare(a.currency, b.currency);

/** One key per merchant and currency: a merchant is never paid across currencies. */
export const balanceKey = ({ merchantId, currency }: ByMerchantAndCurrency) =>
  `${merchantId}\u0000${currency}`;

/** Open items → one balance per merchant and currency, by merchant, then currency. */
export function openBalances(items: readonly OpenItem[]): MerchantBalance[] {
  const balances = new Map<string, MerchantBalance>();
  for (const item of items) {
    const key = balanceKey(item);
    let balance = balances.get(key);
    if (!balance) {
      balance = {
        merchantId: item.merchantId,
        currency: item.currency,
        payableMinor: 0n,
        receivableMinor: 0n,
        transactionIds: [],
      };
      balances.set(key, balance);
    }
    balance.payableMinor += item.payableMinor;
    balance.receivableMinor += item.receivableMinor;
    if (item.kind === "settled") balance.transactionIds.push(item.transactionId);
  }
  return [...balances.values()].sort(byMerchantAndCurrency);
}
