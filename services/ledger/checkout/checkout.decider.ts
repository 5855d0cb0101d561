import type { EventData } from "../../../contracts/event-codec.ts";
import type { Tenure } from "../creditline/creditline.events.ts";
import { type CommandMeta, type Decider, invariant, Rejection, unhandled } from "../decider.ts";
import { applyBps, type InterestRates, loanTerms } from "../loan/loan-terms.ts";
import type { CheckoutEvent, InitiatedData } from "./checkout.events.ts";

/** Seed 001: tenures of 3, 6 and 12 months need at least 700,000 VND. */
export const MIN_INSTALLMENT_AMOUNT_MINOR = 700_000n;
/** Wrong PINs and OTPs together; this many lock the checkout (Denied). */
export const MAX_FAILED_AUTH_ATTEMPTS = 5;
/** Seed: "You can't cancel the transactions that was created more than 20 days". */
export const CANCELLATION_WINDOW_DAYS = 20;

/** Every rule a checkout command can break, grouped by command, each group in its precedence order. */
export type CheckoutRule =
  // Initiate
  | "order_id_must_be_unique"
  | "amount_must_be_positive"
  | "amount_must_equal_items_total"
  | "amount_must_meet_tenure_minimum"
  // The buyer's steps: SignIn, VerifyOtp, Approve, Abort
  | "transaction_must_exist"
  | "checkout_must_await_buyer"
  | "session_must_be_signed_in"
  | "checkout_step_out_of_order"
  // The merchant's confirmation (Settle, Fail) and the confirmation timer
  | "transaction_already_failed"
  | "transaction_already_settled"
  | "transaction_must_be_pending"
  | "confirmation_window_must_be_open"
  | "confirmation_window_must_have_passed"
  | "expiry_must_not_have_passed"
  // The merchant's abort of an offline checkout (after transaction_must_exist): ABORT_RULES
  | "transaction_already_expired"
  | "abort_must_precede_settlement"
  // Cancel (after transaction_must_exist): CANCEL_RULES
  | "cancel_amount_must_be_positive"
  | "transaction_already_cancelled"
  | "transaction_must_be_settled"
  | "cancellation_window_must_be_open"
  | "cancel_amount_must_not_exceed_remaining"
  // MarkPaid
  | "transaction_already_paid"
  // 0-click: OpenChallenge, RecordUserToken
  | "checkout_must_await_otp_challenge"
  | "tokenization_must_be_requested"
  | "transaction_must_be_settled_to_tokenize";

/** Cancel's rules in precedence order: when a cancellation breaks several, the first is the answer. */
export const CANCEL_RULES = [
  "transaction_must_exist",
  "cancel_amount_must_be_positive",
  "transaction_already_cancelled",
  "transaction_must_be_settled",
  "cancellation_window_must_be_open",
  "cancel_amount_must_not_exceed_remaining",
] as const satisfies readonly CheckoutRule[];

/** A merchant's Abort's rules in precedence order (the buyer's abort is a step: checkout_must_await_buyer). */
export const ABORT_RULES = [
  "transaction_must_exist",
  "transaction_already_expired",
  "abort_must_precede_settlement",
] as const satisfies readonly CheckoutRule[];

/** The credit line's answer to a hold, asked first (DESIGN.md: credit line, then transaction). */
export type HoldAnswer = { readonly placed: true } | { readonly placed: false; readonly reason: string };

export type CheckoutCommand =
  | {
      readonly type: "Initiate";
      readonly data: InitiatedData;
      /** tokenize_user: the buyer is to be tokenized for this client_user_key once the checkout settles. */
      readonly tokenization?: { readonly clientUserKey: string };
    }
  | {
      /** checkout/init with a user_token the token stream accepted: no hosted page. */
      readonly type: "InitiateZeroClick";
      readonly data: InitiatedData;
      readonly userId: string;
      readonly userToken: string;
      /** The risk rules that flagged it (usertoken decider); any → an OTP challenge, none → approved now. */
      readonly flaggedBy: readonly string[];
      /** The hold, placed before when nothing flagged it; absent when flagged. */
      readonly hold: HoldAnswer | undefined;
      readonly confirmTimeoutSeconds: number;
    }
  | { readonly type: "OpenChallenge"; readonly sessionHash: string }
  | { readonly type: "RecordUserToken"; readonly userToken: string }
  | { readonly type: "SignIn"; readonly userId: string | undefined; readonly sessionHash: string }
  | { readonly type: "VerifyOtp"; readonly sessionHash: string; readonly otpValid: boolean }
  | {
      readonly type: "Approve";
      readonly sessionHash: string;
      readonly tenure: Tenure;
      readonly hold: HoldAnswer;
      readonly confirmTimeoutSeconds: number;
    }
  /** The buyer leaves the hosted page, or the merchant aborts an offline checkout before settlement. */
  | { readonly type: "Abort"; readonly by: "user" | "merchant" }
  | { readonly type: "Settle"; readonly merchantFeeBps: number; readonly interestRates: InterestRates }
  | {
      readonly type: "Cancel";
      readonly cancellationId: string;
      /** Absent: cancel everything not yet cancelled. */
      readonly amountMinor: bigint | undefined;
      readonly reason: string;
      readonly cancelledBy: string;
    }
  | { readonly type: "MarkPaid"; readonly payoutId: string; readonly bankReference: string }
  | { readonly type: "Fail"; readonly reason: "merchant_reported_failure" | "confirmation_timeout" }
  | { readonly type: "Expire" };

export type CheckoutPhase =
  | "none"
  | "initiated"
  | "signed_in"
  | "otp_verified"
  | "pending"
  | "settled"
  | "cancelled"
  | "denied"
  | "aborted"
  | "failed"
  | "expired";

export interface CheckoutState {
  readonly phase: CheckoutPhase;
  readonly initiated: InitiatedData | undefined;
  readonly userId: string | undefined;
  readonly sessionHash: string | undefined;
  readonly failedAuthAttempts: number;
  readonly tenure: Tenure | undefined;
  readonly confirmBy: string | undefined;
  readonly settlement: SettledData | undefined;
  /** Sums of every cancellation so far: amount and the shares of fee, interest and processing fee. */
  readonly cancelled: Reversal;
  readonly paidBy: string | undefined;
  readonly cancellationIds: ReadonlySet<string>;
  /** tokenize_user: the client_user_key to tokenize, and the token once issued. */
  readonly tokenization: { readonly clientUserKey: string; readonly userToken?: string } | undefined;
  /** A 0-click checkout: the token that authenticated the buyer and the risk rules that flagged it. */
  readonly tokenAuth: { readonly userToken: string; readonly flaggedBy: readonly string[] } | undefined;
}

type SettledData = EventData<CheckoutEvent, "Settled">;
type CancelledData = EventData<CheckoutEvent, "Cancelled">;

export interface Reversal {
  readonly amountMinor: bigint;
  readonly merchantFeeMinor: bigint;
  readonly interestMinor: bigint;
  readonly processingFeeMinor: bigint;
}

const NOTHING_CANCELLED: Reversal = {
  amountMinor: 0n,
  merchantFeeMinor: 0n,
  interestMinor: 0n,
  processingFeeMinor: 0n,
};

export const initialCheckout: CheckoutState = {
  phase: "none",
  initiated: undefined,
  userId: undefined,
  sessionHash: undefined,
  failedAuthAttempts: 0,
  tenure: undefined,
  confirmBy: undefined,
  settlement: undefined,
  cancelled: NOTHING_CANCELLED,
  paidBy: undefined,
  cancellationIds: new Set(),
  tokenization: undefined,
  tokenAuth: undefined,
};

const AWAITING_BUYER: readonly CheckoutPhase[] = ["initiated", "signed_in", "otp_verified"];
/** Before settlement: what an expiry ends and a merchant may abort (a pending one's hold is released). */
const BEFORE_SETTLEMENT: readonly CheckoutPhase[] = [...AWAITING_BUYER, "pending"];

const hasExpired = (state: CheckoutState, meta: CommandMeta): boolean =>
  Date.parse(meta.now) >= Date.parse(state.initiated!.expiresAt);

/** Rules, in precedence order: amount_must_be_positive, amount_must_equal_items_total, amount_must_meet_tenure_minimum. */
export function initiateRules(data: Pick<InitiatedData, "amountMinor" | "items" | "tenure">): void {
  if (data.amountMinor <= 0n) throw new Rejection<CheckoutRule>("amount_must_be_positive");
  const total = data.items.reduce((sum, item) => sum + item.priceMinor * BigInt(item.quantity), 0n);
  if (total !== data.amountMinor) {
    throw new Rejection<CheckoutRule>("amount_must_equal_items_total", {
      itemsTotalMinor: total,
      amountMinor: data.amountMinor,
    });
  }
  assertTenureMinimum(data.amountMinor, data.tenure);
}

/** Seed 001: tenures of 3, 6 and 12 months need MIN_INSTALLMENT_AMOUNT_MINOR; one month has no minimum. */
export function meetsTenureMinimum(amountMinor: bigint, tenure: Tenure): boolean {
  return tenure === 1 || amountMinor >= MIN_INSTALLMENT_AMOUNT_MINOR;
}

function assertTenureMinimum(amountMinor: bigint, tenure: Tenure): void {
  if (!meetsTenureMinimum(amountMinor, tenure)) {
    throw new Rejection<CheckoutRule>("amount_must_meet_tenure_minimum", {
      minimumMinor: MIN_INSTALLMENT_AMOUNT_MINOR,
      tenure,
    });
  }
}

/** Whether this order was initiated already by the same request (a retry: nothing to do). */
function initiatedBefore(data: InitiatedData, state: CheckoutState): boolean {
  if (!state.initiated) return false;
  if (state.initiated.requestFingerprint === data.requestFingerprint) return true;
  throw new Rejection<CheckoutRule>("order_id_must_be_unique", { orderId: data.orderId });
}

function initiate(
  command: Extract<CheckoutCommand, { type: "Initiate" }>,
  state: CheckoutState,
): CheckoutEvent[] {
  const { data, tokenization } = command;
  if (initiatedBefore(data, state)) return [];
  initiateRules(data);
  const initiated: CheckoutEvent = { type: "Initiated", data };
  if (tokenization === undefined) return [initiated];
  return [initiated, { type: "TokenizationRequested", data: { clientUserKey: tokenization.clientUserKey } }];
}

/**
 * Rules: Initiate's. Unflagged, the buyer is authenticated and the checkout approved (or denied by the
 * credit line) in one append, as a 2-click approval would; flagged, it waits for the OTP challenge.
 */
function initiateZeroClick(
  command: Extract<CheckoutCommand, { type: "InitiateZeroClick" }>,
  state: CheckoutState,
  meta: CommandMeta,
): CheckoutEvent[] {
  const { data, userId, userToken, flaggedBy } = command;
  if (initiatedBefore(data, state)) return [];
  initiateRules(data);
  const events: CheckoutEvent[] = [
    { type: "Initiated", data },
    { type: "AuthenticatedByToken", data: { userId, userToken, flaggedBy: [...flaggedBy] } },
  ];
  if (flaggedBy.length > 0) return events;
  invariant(command.hold !== undefined, "an unflagged 0-click checkout comes with its hold");
  return [...events, approval(data, userId, data.tenure, command.hold, command.confirmTimeoutSeconds, meta)];
}

/** A browser opens the OTP challenge of a flagged 0-click checkout (the latest browser wins, as sign-in). */
function openChallenge(
  command: Extract<CheckoutCommand, { type: "OpenChallenge" }>,
  state: CheckoutState,
): CheckoutEvent[] {
  assertAwaitingBuyer(state);
  if (state.tokenAuth === undefined || state.tokenAuth.flaggedBy.length === 0 || state.phase !== "signed_in")
    throw new Rejection<CheckoutRule>("checkout_must_await_otp_challenge", { phase: state.phase });
  return [{ type: "ChallengeOpened", data: { sessionHash: command.sessionHash } }];
}

/** The token issued for a tokenizing checkout once settled; recorded once, the same token again is a no-op. */
function recordUserToken(
  command: Extract<CheckoutCommand, { type: "RecordUserToken" }>,
  state: CheckoutState,
): CheckoutEvent[] {
  if (state.phase === "none") throw new Rejection<CheckoutRule>("transaction_must_exist");
  if (state.tokenization === undefined) throw new Rejection<CheckoutRule>("tokenization_must_be_requested");
  if (state.tokenization.userToken !== undefined) return [];
  if (state.settlement === undefined)
    throw new Rejection<CheckoutRule>("transaction_must_be_settled_to_tokenize", { phase: state.phase });
  return [{ type: "UserTokenIssued", data: { userToken: command.userToken } }];
}

/** A wrong credential is recorded (it counts toward the lock), not rejected. */
function failedAttempt(state: CheckoutState, type: "BuyerSignInFailed" | "OtpFailed"): CheckoutEvent[] {
  const failedAttempts = state.failedAuthAttempts + 1;
  const events: CheckoutEvent[] = [{ type, data: { failedAttempts } }];
  if (failedAttempts >= MAX_FAILED_AUTH_ATTEMPTS) {
    events.push({ type: "Denied", data: { reason: "too_many_failed_attempts", userId: state.userId } });
  }
  return events;
}

function assertAwaitingBuyer(state: CheckoutState): void {
  if (state.phase === "none") throw new Rejection<CheckoutRule>("transaction_must_exist");
  if (!AWAITING_BUYER.includes(state.phase))
    throw new Rejection<CheckoutRule>("checkout_must_await_buyer", { phase: state.phase });
}

function signIn(
  command: Extract<CheckoutCommand, { type: "SignIn" }>,
  state: CheckoutState,
): CheckoutEvent[] {
  assertAwaitingBuyer(state);
  if (command.userId === undefined) return failedAttempt(state, "BuyerSignInFailed");
  return [{ type: "BuyerSignedIn", data: { userId: command.userId, sessionHash: command.sessionHash } }];
}

function assertSession(state: CheckoutState, sessionHash: string, phase: CheckoutPhase): void {
  assertAwaitingBuyer(state);
  if (state.sessionHash === undefined || state.sessionHash !== sessionHash)
    throw new Rejection<CheckoutRule>("session_must_be_signed_in");
  if (state.phase !== phase)
    throw new Rejection<CheckoutRule>("checkout_step_out_of_order", { phase: state.phase });
}

function verifyOtp(
  command: Extract<CheckoutCommand, { type: "VerifyOtp" }>,
  state: CheckoutState,
): CheckoutEvent[] {
  assertSession(state, command.sessionHash, "signed_in");
  if (!command.otpValid) return failedAttempt(state, "OtpFailed");
  return [{ type: "OtpVerified", data: { userId: state.userId! } }];
}

function approve(
  command: Extract<CheckoutCommand, { type: "Approve" }>,
  state: CheckoutState,
  meta: CommandMeta,
): CheckoutEvent[] {
  assertSession(state, command.sessionHash, "otp_verified");
  // Past the expiry the timer is about to expire it: an approval then would hold credit for nothing.
  if (hasExpired(state, meta)) throw new Rejection<CheckoutRule>("expiry_must_not_have_passed");
  const initiated = state.initiated!;
  assertTenureMinimum(initiated.amountMinor, command.tenure);
  return [
    approval(initiated, state.userId!, command.tenure, command.hold, command.confirmTimeoutSeconds, meta),
  ];
}

/** The outcome of an approval: Pending, or Denied with the reason the credit line refused the hold. */
function approval(
  initiated: InitiatedData,
  userId: string,
  tenure: Tenure,
  hold: HoldAnswer,
  confirmTimeoutSeconds: number,
  meta: CommandMeta,
): CheckoutEvent {
  if (!hold.placed) return { type: "Denied", data: { reason: hold.reason, userId } };
  const confirmBy = new Date(Date.parse(meta.now) + confirmTimeoutSeconds * 1000).toISOString();
  return {
    type: "Pending",
    data: { userId, tenure, amountMinor: initiated.amountMinor, approvedAt: meta.now, confirmBy },
  };
}

function abort(
  command: Extract<CheckoutCommand, { type: "Abort" }>,
  state: CheckoutState,
  meta: CommandMeta,
): CheckoutEvent[] {
  if (command.by === "user") {
    if (state.phase === "aborted") return [];
    assertAwaitingBuyer(state);
    return [{ type: "Aborted", data: { by: "user" } }];
  }
  return merchantAbort(state, meta);
}

/**
 * Rules, in precedence order: ABORT_RULES. An abort repeated is a no-op; one after the expiry is refused
 * even if the timer has not fired yet, so an abort and the expiry never both happen.
 */
function merchantAbort(state: CheckoutState, meta: CommandMeta): CheckoutEvent[] {
  if (state.phase === "none") throw new Rejection<CheckoutRule>("transaction_must_exist");
  if (state.phase === "aborted") return [];
  if (state.phase === "expired" || (BEFORE_SETTLEMENT.includes(state.phase) && hasExpired(state, meta)))
    throw new Rejection<CheckoutRule>("transaction_already_expired");
  if (!BEFORE_SETTLEMENT.includes(state.phase))
    throw new Rejection<CheckoutRule>("abort_must_precede_settlement", { phase: state.phase });
  return [{ type: "Aborted", data: { by: "merchant" } }];
}

/**
 * The merchant's confirmation. Repeating it is idempotent; after a failure it is refused, and so is a
 * confirmation after the deadline even if the timer has not fired yet (seed: not confirmed within 30 s
 * means failed), so the outcome never depends on which of the two arrives first.
 */
function settle(
  command: Extract<CheckoutCommand, { type: "Settle" }>,
  state: CheckoutState,
  meta: CommandMeta,
): CheckoutEvent[] {
  if (state.phase === "settled") return [];
  assertPending(state);
  if (Date.parse(meta.now) >= Date.parse(state.confirmBy!))
    throw new Rejection<CheckoutRule>("confirmation_window_must_be_open");
  if (hasExpired(state, meta)) throw new Rejection<CheckoutRule>("expiry_must_not_have_passed");
  const { amountMinor, merchantId } = state.initiated!;
  const tenure = state.tenure!;
  const terms = loanTerms(amountMinor, tenure, command.interestRates);
  return [
    {
      type: "Settled",
      data: {
        settledAt: meta.now,
        merchantId,
        userId: state.userId!,
        tenure,
        amountMinor,
        merchantFeeMinor: applyBps(amountMinor, command.merchantFeeBps),
        interestMinor: terms.interestMinor,
        processingFeeMinor: terms.processingFeeMinor,
      },
    },
  ];
}

/** `part` of `whole` as a share of `total`, rounded half up; the last cancellation takes the exact rest. */
function share(total: bigint, part: bigint, whole: bigint, already: bigint, last: boolean): bigint {
  if (last) return total - already;
  const portion = (total * part * 2n + whole) / (whole * 2n);
  return portion < total - already ? portion : total - already;
}

/**
 * Rules, in precedence order: CANCEL_RULES. A refusal of the amount names the transaction, the amount asked
 * and what is left to cancel, so the merchant can send what is left.
 */
function cancel(
  command: Extract<CheckoutCommand, { type: "Cancel" }>,
  state: CheckoutState,
  meta: CommandMeta,
): CheckoutEvent[] {
  if (state.phase === "none") throw new Rejection<CheckoutRule>("transaction_must_exist");
  if (command.amountMinor !== undefined && command.amountMinor <= 0n) {
    throw new Rejection<CheckoutRule>("cancel_amount_must_be_positive");
  }
  // The same cancellation re-sent (a retry) changes nothing; it could not have passed the rules below twice.
  if (state.cancellationIds.has(command.cancellationId)) return [];
  if (state.phase === "cancelled") throw new Rejection<CheckoutRule>("transaction_already_cancelled");
  if (state.phase !== "settled" || !state.settlement) {
    throw new Rejection<CheckoutRule>("transaction_must_be_settled", { phase: state.phase });
  }
  const settled = state.settlement;
  const windowEnds = Date.parse(settled.settledAt) + CANCELLATION_WINDOW_DAYS * 24 * 3_600_000;
  if (Date.parse(meta.now) > windowEnds)
    throw new Rejection<CheckoutRule>("cancellation_window_must_be_open");
  const remaining = settled.amountMinor - state.cancelled.amountMinor;
  const amount = command.amountMinor ?? remaining;
  if (amount > remaining) {
    throw new Rejection<CheckoutRule>("cancel_amount_must_not_exceed_remaining", {
      transactionId: state.initiated!.transactionId,
      remainingMinor: remaining,
      amountMinor: amount,
    });
  }
  return [
    {
      type: "Cancelled",
      data: {
        cancellationId: command.cancellationId,
        cancelledAt: meta.now,
        merchantId: settled.merchantId,
        userId: settled.userId,
        amountMinor: amount,
        remainingMinor: remaining - amount,
        reason: command.reason,
        cancelledBy: command.cancelledBy,
        afterPayout: state.paidBy !== undefined,
        ...sharesOf(settled, state.cancelled, amount),
      },
    },
  ];
}

/** What a cancellation of `amountMinor` takes back of the settlement's fee, interest and processing fee. */
function sharesOf(
  settled: SettledData,
  already: Reversal,
  amountMinor: bigint,
): Omit<Reversal, "amountMinor"> {
  const last = amountMinor === settled.amountMinor - already.amountMinor;
  const part = (total: bigint, alreadyMinor: bigint) =>
    share(total, amountMinor, settled.amountMinor, alreadyMinor, last);
  return {
    merchantFeeMinor: part(settled.merchantFeeMinor, already.merchantFeeMinor),
    interestMinor: part(settled.interestMinor, already.interestMinor),
    processingFeeMinor: part(settled.processingFeeMinor, already.processingFeeMinor),
  };
}

/** Recorded once per payout; a transaction is paid at most once. */
function markPaid(
  command: Extract<CheckoutCommand, { type: "MarkPaid" }>,
  state: CheckoutState,
  meta: CommandMeta,
): CheckoutEvent[] {
  if (state.phase === "none") throw new Rejection<CheckoutRule>("transaction_must_exist");
  if (state.paidBy === command.payoutId) return [];
  if (state.paidBy !== undefined)
    throw new Rejection<CheckoutRule>("transaction_already_paid", { payoutId: state.paidBy });
  if (state.phase !== "settled" && state.phase !== "cancelled")
    throw new Rejection<CheckoutRule>("transaction_must_be_settled");
  return [
    {
      type: "Paid",
      data: { payoutId: command.payoutId, paidAt: meta.now, bankReference: command.bankReference },
    },
  ];
}

function assertPending(state: CheckoutState): void {
  if (state.phase === "none") throw new Rejection<CheckoutRule>("transaction_must_exist");
  if (state.phase === "failed") throw new Rejection<CheckoutRule>("transaction_already_failed");
  if (state.phase === "settled") throw new Rejection<CheckoutRule>("transaction_already_settled");
  if (state.phase !== "pending")
    throw new Rejection<CheckoutRule>("transaction_must_be_pending", { phase: state.phase });
}

function fail(
  command: Extract<CheckoutCommand, { type: "Fail" }>,
  state: CheckoutState,
  meta: CommandMeta,
): CheckoutEvent[] {
  if (command.reason === "confirmation_timeout") {
    // The timer may fire late or twice; only a pending transaction past its deadline fails.
    if (state.phase !== "pending") return [];
    if (Date.parse(meta.now) < Date.parse(state.confirmBy!))
      throw new Rejection<CheckoutRule>("confirmation_window_must_have_passed");
  } else {
    if (state.phase === "failed") return [];
    assertPending(state);
  }
  return [{ type: "Failed", data: { reason: command.reason } }];
}

/** The timer may fire late or twice; only a checkout before settlement and past its expiry expires. */
function expire(state: CheckoutState, meta: CommandMeta): CheckoutEvent[] {
  if (!BEFORE_SETTLEMENT.includes(state.phase)) return [];
  if (!hasExpired(state, meta)) return [];
  return [{ type: "Expired", data: { expiredAt: meta.now } }];
}

function evolve(state: CheckoutState, event: CheckoutEvent): CheckoutState {
  switch (event.type) {
    case "Initiated":
      invariant(state.phase === "none", "a checkout is initiated once");
      return { ...state, phase: "initiated", initiated: event.data, tenure: event.data.tenure };
    case "BuyerSignInFailed":
    case "OtpFailed":
      return { ...state, failedAuthAttempts: event.data.failedAttempts };
    case "BuyerSignedIn":
      return { ...state, phase: "signed_in", userId: event.data.userId, sessionHash: event.data.sessionHash };
    case "OtpVerified":
      return { ...state, phase: "otp_verified" };
    case "Pending":
      invariant(state.phase === "otp_verified", "only a verified buyer's checkout becomes pending");
      return { ...state, phase: "pending", tenure: event.data.tenure, confirmBy: event.data.confirmBy };
    case "Denied":
      return { ...state, phase: "denied" };
    case "Aborted":
      return { ...state, phase: "aborted" };
    case "Settled":
      invariant(state.phase === "pending", "only a pending checkout settles");
      return { ...state, phase: "settled", settlement: event.data };
    case "Cancelled":
      return withCancellation(state, event.data);
    case "Paid":
      invariant(state.paidBy === undefined, "a transaction is paid out once");
      return { ...state, paidBy: event.data.payoutId };
    case "Failed":
      invariant(state.phase === "pending", "only a pending checkout fails");
      return { ...state, phase: "failed" };
    case "Expired":
      return { ...state, phase: "expired" };
    case "TokenizationRequested":
      return { ...state, tokenization: { clientUserKey: event.data.clientUserKey } };
    case "UserTokenIssued":
      invariant(state.tokenization !== undefined, "a token is issued only for a tokenizing checkout");
      return { ...state, tokenization: { ...state.tokenization, userToken: event.data.userToken } };
    case "AuthenticatedByToken": {
      invariant(state.phase === "initiated", "a 0-click checkout is authenticated as it is initiated");
      const { userId, userToken, flaggedBy } = event.data;
      // Flagged, the buyer still owes the OTP: the checkout waits as a signed-in one does.
      const phase = flaggedBy.length > 0 ? "signed_in" : "otp_verified";
      return { ...state, phase, userId, tokenAuth: { userToken, flaggedBy } };
    }
    case "ChallengeOpened":
      return { ...state, sessionHash: event.data.sessionHash };
    default:
      return unhandled(event);
  }
}

/** A cancellation adds to what was cancelled; the checkout is cancelled once nothing of it remains. */
function withCancellation(state: CheckoutState, data: CancelledData): CheckoutState {
  invariant(state.phase === "settled", "only a settled checkout is cancelled");
  const cancelled: Reversal = {
    amountMinor: state.cancelled.amountMinor + data.amountMinor,
    merchantFeeMinor: state.cancelled.merchantFeeMinor + data.merchantFeeMinor,
    interestMinor: state.cancelled.interestMinor + data.interestMinor,
    processingFeeMinor: state.cancelled.processingFeeMinor + data.processingFeeMinor,
  };
  invariant(cancelled.amountMinor <= state.settlement!.amountMinor, "cancellations never exceed the amount");
  return {
    ...state,
    cancelled,
    cancellationIds: new Set([...state.cancellationIds, data.cancellationId]),
    phase: data.remainingMinor === 0n ? "cancelled" : "settled",
  };
}

export const checkoutDecider: Decider<CheckoutCommand, CheckoutEvent, CheckoutState> = {
  initialState: initialCheckout,
  decide(command, state, meta) {
    switch (command.type) {
      case "Initiate":
        return initiate(command, state);
      case "InitiateZeroClick":
        return initiateZeroClick(command, state, meta);
      case "OpenChallenge":
        return openChallenge(command, state);
      case "RecordUserToken":
        return recordUserToken(command, state);
      case "SignIn":
        return signIn(command, state);
      case "VerifyOtp":
        return verifyOtp(command, state);
      case "Approve":
        return approve(command, state, meta);
      case "Abort":
        return abort(command, state, meta);
      case "Settle":
        return settle(command, state, meta);
      case "Cancel":
        return cancel(command, state, meta);
      case "MarkPaid":
        return markPaid(command, state, meta);
      case "Fail":
        return fail(command, state, meta);
      case "Expire":
        return expire(state, meta);
      default:
        return unhandled(command);
    }
  },
  evolve,
};

export const checkoutStream = (transactionId: string) => `checkout-${transactionId}`;
