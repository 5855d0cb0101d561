import { checkoutProjections } from "../checkout/index.ts";
import { creditProjections } from "../credit/index.ts";
import { financeProjections } from "../finance/index.ts";
import { kredmintProjections } from "../kredmint/index.ts";
import type { Projection } from "../platform/readstore/projection.ts";

/** Every read model the service keeps, as each context contributes them. */
export const projections: readonly Projection[] = [
  ...checkoutProjections,
  ...creditProjections,
  ...financeProjections,
  ...kredmintProjections,
];
