import { type CommandMeta, type Decider, invariant, Rejection, unhandled } from "../decider.ts";
import { findNewest, newestFirst, type PersistentList, prepend } from "../persistent-list.ts";
import type { RiskFlag, UserTokenEvent, UserTokenIssuedData } from "./usertoken.events.ts";

/** When a 0-click checkout is challenged with an OTP instead of approved at once (configuration). */
export interface ZeroClickRiskRules {
  /** An amount above this is flagged. */
  readonly maxAmountMinor: bigint;
  /** More than this many 0-click checkouts of one token within the window are flagged. */
  readonly maxCheckoutsInWindow: number;
  readonly windowSeconds: number;
}

/** Every rule a token command can break, grouped by command, each group in its precedence order. */
export type UserTokenRule =
  // Issue
  | "user_token_must_be_issued_once"
  // StartZeroClick: ZERO_CLICK_RULES; Revoke and PassChallenge: user_token_must_exist first
  | "user_token_must_exist"
  | "user_token_must_belong_to_merchant"
  | "client_user_key_must_match_user_token"
  | "user_token_must_be_active"
  // PassChallenge
  | "zero_click_checkout_must_be_flagged";

/** StartZeroClick's rules in precedence order: a token that breaks any one falls back to 2-click. */
export const ZERO_CLICK_RULES = [
  "user_token_must_exist",
  "user_token_must_belong_to_merchant",
  "client_user_key_must_match_user_token",
  "user_token_must_be_active",
] as const satisfies readonly UserTokenRule[];

export type UserTokenCommand =
  | { readonly type: "Issue"; readonly data: Omit<UserTokenIssuedData, "issuedAt"> }
  | {
      readonly type: "StartZeroClick";
      readonly transactionId: string;
      readonly merchantId: string;
      readonly clientUserKey: string;
      readonly amountMinor: bigint;
      readonly deviceId: string | undefined;
      readonly risk: ZeroClickRiskRules;
    }
  | { readonly type: "PassChallenge"; readonly transactionId: string }
  | { readonly type: "Revoke" };

export interface ZeroClickCheckout {
  readonly transactionId: string;
  readonly startedAt: string;
  readonly deviceId: string | undefined;
  readonly flaggedBy: readonly RiskFlag[];
  readonly challengePassed: boolean;
}

export interface UserTokenState {
  readonly status: "none" | "active" | "revoked";
  readonly issued: UserTokenIssuedData | undefined;
  readonly trustedDevices: ReadonlySet<string>;
  /**
   * Every 0-click checkout's versions, newest first (a passed challenge adds the checkout again, passed):
   * evolve copies nothing, so loading a token with a long history stays linear (zeroClickOf reads one).
   */
  readonly zeroClicks: PersistentList<ZeroClickCheckout>;
}

/** The 0-click checkout as it stands now; undefined if the token never started it. */
export const zeroClickOf = (state: UserTokenState, transactionId: string): ZeroClickCheckout | undefined =>
  findNewest(state.zeroClicks, (c) => c.transactionId === transactionId);

export const initialUserToken: UserTokenState = {
  status: "none",
  issued: undefined,
  trustedDevices: new Set(),
  zeroClicks: undefined,
};

function issue(
  command: Extract<UserTokenCommand, { type: "Issue" }>,
  state: UserTokenState,
  meta: CommandMeta,
) {
  if (state.issued) {
    // The same issue again (a retried settlement or tokenization) is a no-op.
    const { merchantId, clientUserKey, userId, transactionId } = command.data;
    const same =
      state.issued.merchantId === merchantId &&
      state.issued.clientUserKey === clientUserKey &&
      state.issued.userId === userId &&
      state.issued.transactionId === transactionId;
    if (same) return [];
    throw new Rejection<UserTokenRule>("user_token_must_be_issued_once");
  }
  const event: UserTokenEvent = { type: "UserTokenIssued", data: { ...command.data, issuedAt: meta.now } };
  return [event];
}

function assertUsable(
  state: UserTokenState,
  asked: { readonly merchantId: string; readonly clientUserKey: string },
): UserTokenIssuedData {
  const issued = state.issued;
  if (!issued) throw new Rejection<UserTokenRule>("user_token_must_exist");
  if (issued.merchantId !== asked.merchantId)
    throw new Rejection<UserTokenRule>("user_token_must_belong_to_merchant");
  if (issued.clientUserKey !== asked.clientUserKey)
    throw new Rejection<UserTokenRule>("client_user_key_must_match_user_token");
  if (state.status !== "active") throw new Rejection<UserTokenRule>("user_token_must_be_active");
  return issued;
}

/** The risk rules a 0-click checkout breaks, in RISK_FLAGS order; none means it is approved at once. */
export function riskFlags(
  state: UserTokenState,
  checkout: { readonly amountMinor: bigint; readonly deviceId: string | undefined },
  risk: ZeroClickRiskRules,
  now: string,
): RiskFlag[] {
  const flags: RiskFlag[] = [];
  if (checkout.amountMinor > risk.maxAmountMinor) flags.push("amount_above_threshold");
  // A checkout that names no device is from a device we have not seen.
  if (checkout.deviceId === undefined || !state.trustedDevices.has(checkout.deviceId))
    flags.push("device_not_seen");
  const since = Date.parse(now) - risk.windowSeconds * 1000;
  const recent = new Set<string>();
  for (const c of newestFirst(state.zeroClicks)) {
    if (Date.parse(c.startedAt) > since) recent.add(c.transactionId);
  }
  if (recent.size >= risk.maxCheckoutsInWindow) flags.push("too_many_checkouts_in_window");
  return flags;
}

/** Rules, in precedence order: ZERO_CLICK_RULES. The same transaction again is a no-op (its outcome stands). */
function startZeroClick(
  command: Extract<UserTokenCommand, { type: "StartZeroClick" }>,
  state: UserTokenState,
  meta: CommandMeta,
): UserTokenEvent[] {
  assertUsable(state, command);
  if (zeroClickOf(state, command.transactionId)) return [];
  const flaggedBy = riskFlags(state, command, command.risk, meta.now);
  return [
    {
      type: "ZeroClickCheckoutStarted",
      data: {
        transactionId: command.transactionId,
        amountMinor: command.amountMinor,
        deviceId: command.deviceId,
        flaggedBy,
        startedAt: meta.now,
      },
    },
  ];
}

function passChallenge(
  command: Extract<UserTokenCommand, { type: "PassChallenge" }>,
  state: UserTokenState,
  meta: CommandMeta,
): UserTokenEvent[] {
  if (!state.issued) throw new Rejection<UserTokenRule>("user_token_must_exist");
  const checkout = zeroClickOf(state, command.transactionId);
  if (checkout === undefined || checkout.flaggedBy.length === 0)
    throw new Rejection<UserTokenRule>("zero_click_checkout_must_be_flagged", {
      transactionId: command.transactionId,
    });
  if (checkout.challengePassed) return [];
  return [
    {
      type: "ZeroClickChallengePassed",
      data: { transactionId: command.transactionId, deviceId: checkout.deviceId, passedAt: meta.now },
    },
  ];
}

function revoke(state: UserTokenState, meta: CommandMeta): UserTokenEvent[] {
  if (!state.issued) throw new Rejection<UserTokenRule>("user_token_must_exist");
  if (state.status === "revoked") return [];
  return [{ type: "UserTokenRevoked", data: { revokedAt: meta.now, revokedBy: meta.actor } }];
}

function evolve(state: UserTokenState, event: UserTokenEvent): UserTokenState {
  switch (event.type) {
    case "UserTokenIssued": {
      invariant(state.status === "none", "a user token is issued once");
      const trusted = event.data.deviceId === undefined ? [] : [event.data.deviceId];
      return { ...state, status: "active", issued: event.data, trustedDevices: new Set(trusted) };
    }
    case "ZeroClickCheckoutStarted": {
      invariant(state.issued !== undefined, "only an issued token starts 0-click checkouts");
      const { transactionId, startedAt, deviceId, flaggedBy } = event.data;
      const checkout = { transactionId, startedAt, deviceId, flaggedBy, challengePassed: false };
      return { ...state, zeroClicks: prepend(state.zeroClicks, checkout) };
    }
    case "ZeroClickChallengePassed": {
      const checkout = zeroClickOf(state, event.data.transactionId);
      invariant(checkout !== undefined, "only a started 0-click checkout passes a challenge");
      const zeroClicks = prepend(state.zeroClicks, { ...checkout, challengePassed: true });
      const deviceId = event.data.deviceId;
      const trustedDevices =
        deviceId === undefined ? state.trustedDevices : new Set([...state.trustedDevices, deviceId]);
      return { ...state, zeroClicks, trustedDevices };
    }
    case "UserTokenRevoked":
      invariant(state.status === "active", "only an active token is revoked");
      return { ...state, status: "revoked" };
    default:
      return unhandled(event);
  }
}

export const userTokenDecider: Decider<UserTokenCommand, UserTokenEvent, UserTokenState> = {
  initialState: initialUserToken,
  decide(command, state, meta) {
    switch (command.type) {
      case "Issue":
        return issue(command, state, meta);
      case "StartZeroClick":
        return startZeroClick(command, state, meta);
      case "PassChallenge":
        return passChallenge(command, state, meta);
      case "Revoke":
        return revoke(state, meta);
      default:
        return unhandled(command);
    }
  },
  evolve,
};

export const userTokenStream = (userToken: string) => `usertoken-${userToken}`;
