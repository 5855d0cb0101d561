import { currencies, money, renderDecimal } from "../../contracts/money.ts";
import { invariant } from "../ledger/decider.ts";

/** Minor units as the currency's decimal string ("6405000" VND, "1000.56" INR). */
export function decimal(minor: bigint, currency: string): string {
  const known = currencies.find((c) => c === currency);
  // The journal only ever holds currencies the ledger knows; anything else is a bug, not a caller's input.
  invariant(known !== undefined, `the journal holds an unknown currency ${JSON.stringify(currency)}`);
  return renderDecimal(money(minor, known));
}
