import { checkoutTransactionsProjection } from "../checkout/read-models/checkout-transactions.ts";
import { directoryProjection } from "../checkout/read-models/directory.ts";
import { creditLinesProjection } from "../credit/read-models/credit-lines.ts";
import { journalProjection } from "../finance/read-models/journal.ts";
import type { Projection } from "../platform/readstore/projection.ts";

/** Every read model the service keeps; each issue's projections register here. */
export const projections: readonly Projection[] = [
  directoryProjection,
  checkoutTransactionsProjection,
  creditLinesProjection,
  journalProjection,
];
