import { type Decider, invariant, Rejection, unhandled } from "../decider.ts";
import type {
  FinancialDocument,
  PartnerUserEvent,
  PartnerUserIdentity,
  PartnerUserState,
} from "./partneruser.events.ts";

/** Every rule a partner-user command can break, in precedence order. */
export type PartnerUserRule =
  | "user_must_exist"
  | "credit_limit_must_be_positive"
  | "decision_is_final"
  | "profile_must_be_incomplete"
  | "user_must_be_under_review";

export type PartnerUserCommand =
  /** Creates the user; a user already there stays as it is (the eligibility call is repeated at will). */
  | { readonly type: "Create"; readonly identity: PartnerUserIdentity }
  | { readonly type: "GiveContext"; readonly prefill: Readonly<Record<string, string>> }
  | { readonly type: "SubmitProfile"; readonly profile: Readonly<Record<string, string>> }
  | { readonly type: "UploadFinancialData"; readonly document: FinancialDocument }
  | { readonly type: "Approve"; readonly creditLimitMinor: bigint }
  | { readonly type: "Reject"; readonly reason: string };

export type Decision = { readonly approved: bigint } | { readonly rejected: string };

export interface PartnerUserStateView {
  readonly identity: PartnerUserIdentity | undefined;
  readonly state: PartnerUserState;
  readonly prefill: Readonly<Record<string, string>>;
  readonly profile: Readonly<Record<string, string>> | undefined;
  readonly documents: readonly FinancialDocument[];
  readonly decision: Decision | undefined;
}

function identityOf(state: PartnerUserStateView): PartnerUserIdentity {
  if (!state.identity) throw new Rejection<PartnerUserRule>("user_must_exist");
  return state.identity;
}

/** Rules: user_must_exist. A prefill that changes nothing is a no-op, so a repeated eligibility call appends nothing. */
function giveContext(
  prefill: Readonly<Record<string, string>>,
  state: PartnerUserStateView,
): PartnerUserEvent[] {
  identityOf(state);
  const changed = Object.entries(prefill).filter(([field, value]) => state.prefill[field] !== value);
  if (changed.length === 0) return [];
  return [{ type: "UserContextGiven", data: { prefill: Object.fromEntries(changed) } }];
}

/** Rules: user_must_exist, profile_must_be_incomplete (the profile is what is reviewed). The same profile again is a no-op. */
function submitProfile(
  profile: Readonly<Record<string, string>>,
  state: PartnerUserStateView,
): PartnerUserEvent[] {
  identityOf(state);
  if (state.state !== "IncompleteProfile") throw new Rejection<PartnerUserRule>("profile_must_be_incomplete");
  if (state.profile && sameRecord(state.profile, profile)) return [];
  return [{ type: "ProfileSubmitted", data: { profile: { ...profile } } }];
}

/**
 * Rules: user_must_exist, decision_is_final (financial data after the decision is refused). The same document
 * again (same SHA-256) is a no-op; another while under review is recorded too and the review goes on.
 */
function uploadFinancialData(document: FinancialDocument, state: PartnerUserStateView): PartnerUserEvent[] {
  identityOf(state);
  if (state.decision) throw new Rejection<PartnerUserRule>("decision_is_final");
  if (state.documents.some((d) => d.sha256 === document.sha256)) return [];
  return [{ type: "FinancialDataUploaded", data: document }];
}

/**
 * Rules: user_must_exist, credit_limit_must_be_positive, decision_is_final (the same decision again is a
 * no-op, another is refused), user_must_be_under_review (financial data first).
 */
function decideOn(decision: Decision, state: PartnerUserStateView, actor: string): PartnerUserEvent[] {
  identityOf(state);
  if ("approved" in decision && decision.approved <= 0n) {
    throw new Rejection<PartnerUserRule>("credit_limit_must_be_positive");
  }
  if (state.decision) {
    if (sameDecision(state.decision, decision)) return [];
    throw new Rejection<PartnerUserRule>("decision_is_final", { state: state.state });
  }
  if (state.state !== "UnderReview") throw new Rejection<PartnerUserRule>("user_must_be_under_review");
  return [
    "approved" in decision
      ? { type: "UserApproved", data: { creditLimitMinor: decision.approved, decidedBy: actor } }
      : { type: "UserRejected", data: { reason: decision.rejected, decidedBy: actor } },
  ];
}

export const partnerUserDecider: Decider<PartnerUserCommand, PartnerUserEvent, PartnerUserStateView> = {
  initialState: {
    identity: undefined,
    state: "IncompleteProfile",
    prefill: {},
    profile: undefined,
    documents: [],
    decision: undefined,
  },
  decide(command, state, meta) {
    switch (command.type) {
      case "Create":
        if (state.identity) return [];
        return [{ type: "PartnerUserCreated", data: command.identity }];
      case "GiveContext":
        return giveContext(command.prefill, state);
      case "SubmitProfile":
        return submitProfile(command.profile, state);
      case "UploadFinancialData":
        return uploadFinancialData(command.document, state);
      case "Approve":
        return decideOn({ approved: command.creditLimitMinor }, state, meta.actor);
      case "Reject":
        return decideOn({ rejected: command.reason }, state, meta.actor);
      default:
        return unhandled(command);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case "PartnerUserCreated":
        invariant(state.identity === undefined, "a partner user is created once");
        return { ...state, identity: event.data };
      case "UserContextGiven":
        invariant(state.identity !== undefined, "only a created user is prefilled");
        return { ...state, prefill: { ...state.prefill, ...event.data.prefill } };
      case "ProfileSubmitted":
        invariant(state.state === "IncompleteProfile", "a profile is submitted before review");
        return { ...state, profile: event.data.profile };
      case "FinancialDataUploaded":
        invariant(state.decision === undefined, "financial data comes before the decision");
        return { ...state, state: "UnderReview", documents: [...state.documents, event.data] };
      case "UserApproved":
        invariant(state.state === "UnderReview", "only a user under review is approved");
        return { ...state, state: "Active", decision: { approved: event.data.creditLimitMinor } };
      case "UserRejected":
        invariant(state.state === "UnderReview", "only a user under review is rejected");
        return { ...state, state: "Rejected", decision: { rejected: event.data.reason } };
      default:
        return unhandled(event);
    }
  },
};

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

function sameDecision(a: Decision, b: Decision): boolean {
  if ("approved" in a) return "approved" in b && a.approved === b.approved;
  return "rejected" in b && a.rejected === b.rejected;
}

/** One stream per partner and mobile, so the first eligibility call for a mobile creates its user once. */
export const partnerUserStream = (partnerId: string, mobile: string) => `partneruser-${partnerId}:${mobile}`;
