import { currencies, money, renderDecimal } from "../../contracts/money.ts";

/** Minor units as the currency's decimal string ("6405000" VND, "1000.56" INR). */
export function decimal(minor: bigint, currency: string): string {
  const known = currencies.find((c) => c === currency);
  return known ? renderDecimal(money(minor, known)) : minor.toString();
}
