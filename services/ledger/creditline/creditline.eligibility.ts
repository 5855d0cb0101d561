import { TENURES } from "../../../contracts/checkout/common.ts";
import type { Tenure } from "./creditline.events.ts";
import type { PlaceHoldRule } from "./creditline.rules.ts";
import { availableFor, type CreditLineState, hasOverdueDebt } from "./creditline.state.ts";

export interface HoldRequest {
  /** The hold's id; absent when asking for a hold not yet named (no retry to recognise). */
  readonly transactionId?: string;
  readonly amountMinor: bigint;
  readonly tenure: Tenure | undefined;
}

export interface HoldRefusal {
  readonly rule: PlaceHoldRule;
  readonly detail: Record<string, unknown>;
}

const refused = (rule: PlaceHoldRule, detail: Record<string, unknown> = {}): HoldRefusal => ({
  rule,
  detail,
});

/**
 * The one statement of PlaceHold's rules, in CREDIT_LINE_RULES.PlaceHold's order: the first rule a hold
 * breaks, or undefined when the line places it (or already holds it with that tenure: a retry). PlaceHold
 * decides by it and the tenures offered to a buyer are computed by it, so the two never disagree.
 */
export function holdRefusal(state: CreditLineState, hold: HoldRequest, now: string): HoldRefusal | undefined {
  if (hold.amountMinor <= 0n) return refused("amount_must_be_positive");
  if (!state.open) return refused("credit_line_must_be_open");
  const existing = hold.transactionId === undefined ? undefined : state.holds.get(hold.transactionId);
  if (existing && existing.state !== "held")
    return refused("hold_must_not_be_closed", { state: existing.state });
  if (existing && existing.tenure !== hold.tenure) {
    return refused("hold_must_keep_its_tenure", { tenure: existing.tenure });
  }
  if (existing) return undefined;
  if (hasOverdueDebt(state, now)) return refused("buyer_must_not_have_overdue_debt");
  if (!offers(state, hold.tenure)) return refused("tenure_must_be_offered");
  const availableMinor = availableFor(state, hold.tenure);
  if (availableMinor < hold.amountMinor) return refused("credit_limit_must_cover_amount", { availableMinor });
  return undefined;
}

/** An instalment line offers the tenures it caps; a revolving line offers none and lends without one. */
function offers(state: CreditLineState, tenure: Tenure | undefined): boolean {
  return state.kind === "instalment"
    ? tenure !== undefined && state.perTenureMinor.has(tenure)
    : tenure === undefined;
}

export type TenureEligibility =
  | { readonly tenure: Tenure; readonly eligible: true }
  | { readonly tenure: Tenure; readonly eligible: false; readonly rule: PlaceHoldRule };

/** Every tenure, eligible for a hold of `amountMinor` now or refused by the rule PlaceHold would refuse it by. */
export function tenureEligibility(
  state: CreditLineState,
  request: { readonly transactionId?: string; readonly amountMinor: bigint; readonly now: string },
): readonly TenureEligibility[] {
  return TENURES.map((tenure): TenureEligibility => {
    const refusal = holdRefusal(state, { ...request, tenure }, request.now);
    return refusal ? { tenure, eligible: false, rule: refusal.rule } : { tenure, eligible: true };
  });
}
