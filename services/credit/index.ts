import type { ApiKey } from "../http/api-keys.ts";
import type { HttpMount } from "../http/app.ts";
import type { Projection } from "../platform/readstore/projection.ts";
import { type CreditLimitsOptions, creditLimits } from "./credit-limits.ts";
import { limitRoutes } from "./limit-routes.ts";
import { creditLinesProjection } from "./read-models/credit-lines.ts";
import { limitHistoryProjection } from "./read-models/limit-history.ts";

// The credit kernel both products share: credit lines (hold, capture, release, repay) and their read model.
export {
  type RepaymentApplied,
  type RepaymentService,
  repaymentService,
  UnknownCreditLine,
} from "./repayment-service.ts";

export const creditProjections: readonly Projection[] = [creditLinesProjection, limitHistoryProjection];

/** Its admin API under /v1: credit limits and their history (role `admin`). */
export function creditHttp(
  options: CreditLimitsOptions & { readonly apiKeys: readonly ApiKey[] },
): HttpMount {
  return async (app) => {
    await app.register(limitRoutes, {
      prefix: "/v1",
      limits: creditLimits(options),
      apiKeys: options.apiKeys,
    });
  };
}
