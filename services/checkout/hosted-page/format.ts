/** VND as shown to buyers: dot-grouped whole dong and the symbol, e.g. 6505000n → "6.505.000 ₫". */
export function formatVnd(amountMinor: bigint): string {
  const negative = amountMinor < 0n;
  const digits = (negative ? -amountMinor : amountMinor).toString();
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  return `${negative ? "-" : ""}${grouped} ₫`;
}
