import { MAX_FAILED_AUTH_ATTEMPTS } from "../checkout/checkout.decider.ts";
import { type CommandMeta, type Decider, invariant, Rejection, unhandled } from "../decider.ts";
import type {
  TokenizationEvent,
  TokenizationFailure,
  TokenizationRequestedData,
} from "./tokenization.events.ts";

/** Every rule a tokenization command can break, in precedence order within each command. */
export type TokenizationRule =
  // Request
  | "tokenization_must_be_requested_once"
  // The buyer's steps: SignIn, VerifyOtp, Complete
  | "tokenization_must_exist"
  | "tokenization_must_await_buyer"
  | "tokenization_link_must_not_be_expired"
  | "tokenization_session_must_be_signed_in"
  | "tokenization_step_out_of_order";

export type TokenizationCommand =
  | { readonly type: "Request"; readonly data: Omit<TokenizationRequestedData, "requestedAt"> }
  | { readonly type: "SignIn"; readonly userId: string | undefined; readonly sessionHash: string }
  | { readonly type: "VerifyOtp"; readonly sessionHash: string; readonly otpValid: boolean }
  /** After the OTP: the token is issued when the buyer's wallet (credit line) is active, else it fails. */
  | { readonly type: "Complete"; readonly walletActive: boolean };

export type TokenizationPhase = "none" | "requested" | "signed_in" | "otp_verified" | "succeeded" | "failed";

export interface TokenizationState {
  readonly phase: TokenizationPhase;
  readonly requested: TokenizationRequestedData | undefined;
  readonly userId: string | undefined;
  /** The latest signed-in browser's session (its hash); the latest sign-in wins, as on the checkout page. */
  readonly sessionHash: string | undefined;
  /** Wrong PINs and OTPs together; MAX_FAILED_AUTH_ATTEMPTS of them fail the tokenization. */
  readonly failedAuthAttempts: number;
  readonly failure: TokenizationFailure | undefined;
}

export const initialTokenization: TokenizationState = {
  phase: "none",
  requested: undefined,
  userId: undefined,
  sessionHash: undefined,
  failedAuthAttempts: 0,
  failure: undefined,
};

const AWAITING_BUYER: readonly TokenizationPhase[] = ["requested", "signed_in", "otp_verified"];

function request(
  command: Extract<TokenizationCommand, { type: "Request" }>,
  state: TokenizationState,
  meta: CommandMeta,
): TokenizationEvent[] {
  if (state.phase !== "none") throw new Rejection<TokenizationRule>("tokenization_must_be_requested_once");
  return [{ type: "TokenizationRequested", data: { ...command.data, requestedAt: meta.now } }];
}

function assertAwaitingBuyer(state: TokenizationState, meta: CommandMeta): TokenizationRequestedData {
  const requested = state.requested;
  if (requested === undefined) throw new Rejection<TokenizationRule>("tokenization_must_exist");
  if (!AWAITING_BUYER.includes(state.phase))
    throw new Rejection<TokenizationRule>("tokenization_must_await_buyer", { phase: state.phase });
  if (Date.parse(meta.now) >= Date.parse(requested.expiresAt))
    throw new Rejection<TokenizationRule>("tokenization_link_must_not_be_expired", {
      expiresAt: requested.expiresAt,
    });
  return requested;
}

/** A wrong credential is recorded (it counts toward the limit), not rejected; the last one fails it. */
function failedAttempt(
  state: TokenizationState,
  type: "TokenizationSignInFailed" | "TokenizationOtpFailed",
  meta: CommandMeta,
): TokenizationEvent[] {
  const failedAttempts = state.failedAuthAttempts + 1;
  const events: TokenizationEvent[] = [{ type, data: { failedAttempts } }];
  if (failedAttempts >= MAX_FAILED_AUTH_ATTEMPTS) {
    events.push({ type: "TokenizationFailed", data: { reason: "max_otp_attempt", failedAt: meta.now } });
  }
  return events;
}

function signIn(
  command: Extract<TokenizationCommand, { type: "SignIn" }>,
  state: TokenizationState,
  meta: CommandMeta,
): TokenizationEvent[] {
  assertAwaitingBuyer(state, meta);
  if (state.phase === "otp_verified")
    throw new Rejection<TokenizationRule>("tokenization_step_out_of_order", { phase: state.phase });
  if (command.userId === undefined) return failedAttempt(state, "TokenizationSignInFailed", meta);
  return [
    { type: "TokenizationSignedIn", data: { userId: command.userId, sessionHash: command.sessionHash } },
  ];
}

function verifyOtp(
  command: Extract<TokenizationCommand, { type: "VerifyOtp" }>,
  state: TokenizationState,
  meta: CommandMeta,
): TokenizationEvent[] {
  assertAwaitingBuyer(state, meta);
  if (state.sessionHash === undefined || state.sessionHash !== command.sessionHash)
    throw new Rejection<TokenizationRule>("tokenization_session_must_be_signed_in");
  if (state.phase !== "signed_in")
    throw new Rejection<TokenizationRule>("tokenization_step_out_of_order", { phase: state.phase });
  if (!command.otpValid) return failedAttempt(state, "TokenizationOtpFailed", meta);
  return [{ type: "TokenizationOtpVerified", data: { verifiedAt: meta.now } }];
}

/** Needs no session: a verified buyer's tokenization is finished by whoever retries it (the page, a crash). */
function complete(
  command: Extract<TokenizationCommand, { type: "Complete" }>,
  state: TokenizationState,
  meta: CommandMeta,
): TokenizationEvent[] {
  const requested = state.requested;
  if (requested === undefined) throw new Rejection<TokenizationRule>("tokenization_must_exist");
  if (state.phase !== "otp_verified")
    throw new Rejection<TokenizationRule>("tokenization_step_out_of_order", { phase: state.phase });
  if (!command.walletActive)
    return [{ type: "TokenizationFailed", data: { reason: "wallet_inactive", failedAt: meta.now } }];
  return [
    {
      type: "TokenizationSucceeded",
      data: { userToken: requested.userToken, userId: state.userId!, succeededAt: meta.now },
    },
  ];
}

function evolve(state: TokenizationState, event: TokenizationEvent): TokenizationState {
  switch (event.type) {
    case "TokenizationRequested":
      invariant(state.phase === "none", "a tokenization is requested once");
      return { ...state, phase: "requested", requested: event.data };
    case "TokenizationSignedIn":
      return {
        ...state,
        phase: "signed_in",
        userId: event.data.userId,
        sessionHash: event.data.sessionHash,
      };
    case "TokenizationSignInFailed":
    case "TokenizationOtpFailed":
      return { ...state, failedAuthAttempts: event.data.failedAttempts };
    case "TokenizationOtpVerified":
      invariant(state.phase === "signed_in", "only a signed-in buyer verifies the OTP");
      return { ...state, phase: "otp_verified" };
    case "TokenizationSucceeded":
      invariant(state.phase === "otp_verified", "only a verified buyer is tokenized");
      return { ...state, phase: "succeeded" };
    case "TokenizationFailed":
      return { ...state, phase: "failed", failure: event.data.reason };
    default:
      return unhandled(event);
  }
}

export const tokenizationDecider: Decider<TokenizationCommand, TokenizationEvent, TokenizationState> = {
  initialState: initialTokenization,
  decide(command, state, meta) {
    switch (command.type) {
      case "Request":
        return request(command, state, meta);
      case "SignIn":
        return signIn(command, state, meta);
      case "VerifyOtp":
        return verifyOtp(command, state, meta);
      case "Complete":
        return complete(command, state, meta);
      default:
        return unhandled(command);
    }
  },
  evolve,
};

export const tokenizationStream = (tokenizationId: string) => `tokenization-${tokenizationId}`;
