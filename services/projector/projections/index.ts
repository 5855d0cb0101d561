import type { Projection } from "../projection.ts";

/** Every read model the service keeps; each issue's projections register here. */
export const projections: readonly Projection[] = [];
