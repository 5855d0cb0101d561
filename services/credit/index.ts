import type { Projection } from "../platform/readstore/projection.ts";
import { creditLinesProjection } from "./read-models/credit-lines.ts";

// The credit kernel both products share: credit lines (hold, capture, release, repay) and their read model.
export {
  type RepaymentApplied,
  type RepaymentService,
  repaymentService,
  UnknownCreditLine,
} from "./repayment-service.ts";

export const creditProjections: readonly Projection[] = [creditLinesProjection];
