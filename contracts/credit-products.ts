import type { Currency } from "./money.ts";

// The credit products and the currency each lends in: Kredivo (Checkout API, seed 001) an instalment line in
// VND, Kredmint (Partner API, seed 000) a revolving line in INR. A request naming a product reads its amounts
// in that currency.

export const CREDIT_PRODUCTS = ["kredivo", "kredmint"] as const;
export type CreditProduct = (typeof CREDIT_PRODUCTS)[number];

export const PRODUCT_CURRENCIES: Readonly<Record<CreditProduct, Currency>> = Object.freeze({
  kredivo: "VND",
  kredmint: "INR",
});
