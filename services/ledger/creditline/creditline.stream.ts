import { PRODUCT_CURRENCIES } from "../../../contracts/credit-products.ts";
import { streamIdSchema } from "../../../contracts/envelope.ts";
import { type Currency, currencies } from "../../../contracts/money.ts";
import { invariant } from "../decider.ts";
import { CREDIT_PRODUCTS, type CreditProduct } from "./creditline.events.ts";

/** A credit line is one buyer's credit with one product in one currency. */
export interface CreditLineKey {
  readonly product: CreditProduct;
  readonly userId: string;
  readonly currency: Currency;
}

/** The Checkout API's lines: Kredivo lends in VND. */
export const kredivoLine = (userId: string): CreditLineKey => ({
  product: "kredivo",
  userId,
  currency: "VND",
});

const PREFIX = "creditline-";
const KEYED = new RegExp(`^(${CREDIT_PRODUCTS.join("|")}):(${currencies.join("|")}):(.+)$`);

/**
 * `creditline-<userId>` for a Kredivo VND line: the id those lines had before there were products, kept so
 * that existing streams, their Kafka keys and their readers stay as they are. `creditline-<product>:<currency>:<userId>`
 * for every other line (`creditline-kredmint:INR:USR-2225`), and for a Kredivo VND line whose user id would
 * itself read as that shape, so the two never read as each other. Both are of kind `creditline`: every line's
 * events go to one topic.
 */
export function creditLineStream(key: CreditLineKey): string {
  const kept = key.product === "kredivo" && key.currency === "VND" && !KEYED.test(key.userId);
  return `${PREFIX}${kept ? key.userId : `${key.product}:${key.currency}:${key.userId}`}`;
}

/** The key a credit line's stream id was made from (creditLineStream's inverse). */
export function creditLineKeyOf(streamId: string): CreditLineKey {
  invariant(streamId.startsWith(PREFIX), `${streamId} is not a credit line's stream`);
  const id = streamId.slice(PREFIX.length);
  const match = KEYED.exec(id);
  if (!match) return kredivoLine(id);
  // The pattern admits only known products and currencies; the finds name their types.
  const product = CREDIT_PRODUCTS.find((p) => p === match[1]);
  const currency = currencies.find((c) => c === match[2]);
  const userId = match[3];
  invariant(
    product !== undefined && currency !== undefined && userId !== undefined,
    `${streamId} has no key`,
  );
  return { product, userId, currency };
}

/** A user's credit line with a product (each lends in one currency), in the product's currency. */
export const productLine = (product: CreditProduct, userId: string): CreditLineKey => ({
  product,
  userId,
  currency: PRODUCT_CURRENCIES[product],
});

/**
 * Whether a credit line's stream id can be made from the key. A route checks it before it reads or
 * appends: a user id that cannot is no buyer's, so it is "not found" without touching the store.
 */
export function canNameCreditLine(key: CreditLineKey): boolean {
  return streamIdSchema.safeParse(creditLineStream(key)).success;
}
