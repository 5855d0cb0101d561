import type { Projection } from "../projection.ts";
import { checkoutTransactionsProjection } from "./checkout-transactions.ts";
import { creditLinesProjection } from "./credit-lines.ts";
import { directoryProjection } from "./directory.ts";
import { journalProjection } from "./journal.ts";

/** Every read model the service keeps; each issue's projections register here. */
export const projections: readonly Projection[] = [
  directoryProjection,
  checkoutTransactionsProjection,
  creditLinesProjection,
  journalProjection,
];
