import { type InitEcomRequest, wantsTokenization } from "../../../contracts/checkout/init.ts";
import {
  type CheckoutCommand,
  type CheckoutRule,
  checkoutDecider,
  checkoutStream,
  type HoldAnswer,
} from "../../ledger/checkout/checkout.decider.ts";
import { type Caller, Rejection } from "../../ledger/decider.ts";
import { userTokenStream, ZERO_CLICK_RULES, zeroClickOf } from "../../ledger/usertoken/usertoken.decider.ts";
import { sha256Hex } from "../credentials.ts";
import { buyerApproval, withHold } from "./approval.ts";
import { asBuyer } from "./buyer-sign-in.ts";
import type { checkoutInit } from "./checkout-init.ts";
import { initiatedData } from "./checkout-init.ts";
import type { CheckoutLedger } from "./checkout-ledger.ts";
import type { userTokens } from "./user-tokens.ts";

/** What checkout/init answers, by how the checkout began. */
export type InitOutcome =
  /** 2-click: the hosted page; `tokenizable` (code 2007) when it will tokenize the buyer once settled. */
  | {
      readonly kind: "two_click";
      readonly transactionId: string;
      readonly checkoutUrl: string;
      readonly tokenizable: boolean;
    }
  /** 0-click, approved (or denied) at once: no page. */
  | { readonly kind: "zero_click"; readonly transactionId: string }
  /** 0-click flagged by a risk rule: the OTP challenge page. */
  | { readonly kind: "otp_challenge"; readonly transactionId: string; readonly redirectUrl: string };

const isZeroClickRule = (rule: string) => (ZERO_CLICK_RULES as readonly string[]).includes(rule);

/**
 * checkout/init with the 0-click fields (seed "Initiate 0-click Checkout"): a user_token that matches the
 * client_user_key authenticates the buyer without a page; tokenize_user asks for a token once settled. A
 * token that is unknown, revoked, another merchant's or another key's falls back to the neutral 2-click answer.
 */
export function zeroClickCheckout(
  ledger: CheckoutLedger,
  init: ReturnType<typeof checkoutInit>,
  tokens: ReturnType<typeof userTokens>,
) {
  const { options } = ledger;

  /** 2-click, tokenizing when asked for a key with no active token of this merchant. */
  const twoClick = async (request: InitEcomRequest, caller: Caller): Promise<InitOutcome> => {
    const clientUserKey = request.client_user_key;
    let tokenizable = false;
    if (wantsTokenization(request) && clientUserKey !== undefined) {
      const { merchantId } = await ledger.merchantByKey(request.server_key);
      tokenizable = !(await tokens.hasActiveToken(merchantId, clientUserKey));
    }
    const { tokenizes, ...started } = await init.init(
      request,
      caller,
      tokenizable ? { clientUserKey: clientUserKey! } : undefined,
    );
    return { kind: "two_click", ...started, tokenizable: tokenizes };
  };

  return {
    async initCheckout(request: InitEcomRequest, caller: Caller): Promise<InitOutcome> {
      const userToken = request.user_token;
      const clientUserKey = request.client_user_key;
      if (userToken === undefined || clientUserKey === undefined) return twoClick(request, caller);
      const { merchantId } = await ledger.merchantByKey(request.server_key);
      const transactionId = init.transactionIdFor(merchantId, request.order_id);
      const data = initiatedData(request, { transactionId, merchantId }, options.now(), options);
      const merchant = { ...caller, actor: `merchant:${merchantId}` };
      const token = await tokens.findToken(userToken);
      if (token?.issued === undefined) return twoClick(request, caller);
      const userId = token.issued.userId;

      // The checkout's own rules first (a used order_id, the amount): a refused init counts toward no window.
      const { state: before } = await ledger.checkouts.load(checkoutStream(transactionId));
      const command = (flaggedBy: readonly string[], hold: HoldAnswer | undefined): CheckoutCommand => ({
        type: "InitiateZeroClick",
        data,
        userId,
        userToken,
        flaggedBy,
        hold,
        confirmTimeoutSeconds: options.confirmTimeoutSeconds,
      });
      checkoutDecider.decide(command([], { placed: true }), before, ledger.meta(merchant, merchantId));

      let flaggedBy: readonly string[];
      try {
        const started = await ledger.userTokens.handle(
          userTokenStream(userToken),
          {
            type: "StartZeroClick",
            transactionId,
            merchantId,
            clientUserKey,
            amountMinor: data.amountMinor,
            deviceId: request.device_id,
            risk: options.zeroClickRisk,
          },
          ledger.meta(merchant, merchantId),
        );
        flaggedBy = zeroClickOf(started.state, transactionId)!.flaggedBy;
      } catch (error) {
        if (error instanceof Rejection && isZeroClickRule(error.rule)) return twoClick(request, caller);
        throw error;
      }

      if (flaggedBy.length > 0) {
        await ledger.checkoutCommand(transactionId, command(flaggedBy, undefined), merchant, merchantId);
        return { kind: "otp_challenge", transactionId, redirectUrl: init.checkoutUrl(transactionId) };
      }
      const buyer = asBuyer(caller, userId);
      await withHold(ledger, userId, data, data.tenure, buyer, (hold) =>
        ledger.checkoutCommand(transactionId, command([], hold), buyer, merchantId),
      );
      return { kind: "zero_click", transactionId };
    },

    /**
     * The OTP challenge page opened by a browser: a session for it, as sign-in gives one. The OTP step then
     * runs as on the 2-click page (verifyOtp), and approveChallenged continues as approved.
     */
    async openChallenge(transactionId: string, session: string, caller: Caller) {
      const { state, initiated } = await ledger.loadCheckout(transactionId);
      return ledger.checkoutCommand(
        transactionId,
        { type: "OpenChallenge", sessionHash: sha256Hex(session) },
        asBuyer(caller, state.userId),
        initiated.merchantId,
      );
    },

    /**
     * After the OTP: the flow goes on as approved, with the tenure the merchant asked for; the token's stream
     * notes the challenge passed (its device trusted from then on).
     */
    async approveChallenged(transactionId: string, session: string, caller: Caller) {
      const { state, initiated } = await ledger.loadCheckout(transactionId);
      const userToken = state.tokenAuth?.userToken;
      if (userToken === undefined) throw new Rejection<CheckoutRule>("checkout_must_await_otp_challenge");
      const approved = await buyerApproval(ledger).approve(transactionId, session, initiated.tenure, caller);
      await ledger.userTokens.handle(
        userTokenStream(userToken),
        { type: "PassChallenge", transactionId },
        ledger.meta(asBuyer(caller, state.userId), initiated.merchantId),
      );
      return approved;
    },
  };
}
