import { randomUUID } from "node:crypto";
import type { Tenure } from "../../../contracts/checkout/common.ts";
import type { CheckoutState } from "../../ledger/checkout/checkout.decider.ts";
import type { InitiatedData } from "../../ledger/checkout/checkout.events.ts";
import { availableFor } from "../../ledger/creditline/creditline.state.ts";
import { creditLineStream, kredivoLine } from "../../ledger/creditline/creditline.stream.ts";
import { type Caller, Rejection } from "../../ledger/decider.ts";
import { userTokenStream } from "../../ledger/usertoken/usertoken.decider.ts";
import type { CheckoutLedger } from "./checkout-ledger.ts";
import type { CheckoutUseCaseRule } from "./rules.ts";

/** The tokens we issue are UUIDs; anything else names no token and never becomes a stream name. */
const ISSUED_TOKEN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const isIssuedUserToken = (token: string): boolean => ISSUED_TOKEN.test(token);

/**
 * 0-click user tokens (seed "0-click Checkout"): issued when a tokenizing checkout settles, read by
 * get_credit_details, revoked by an operator. A token belongs to one merchant and one client_user_key.
 */
export function userTokens(ledger: CheckoutLedger) {
  const { readStore } = ledger;

  /** The token's state, or undefined when it names none. */
  const findToken = async (userToken: string) => {
    if (!isIssuedUserToken(userToken)) return undefined;
    const { state } = await ledger.userTokens.load(userTokenStream(userToken));
    return state.issued === undefined ? undefined : state;
  };

  return {
    findToken,

    /** Whether this merchant's client_user_key has an active token (the read model). */
    async hasActiveToken(merchantId: string, clientUserKey: string): Promise<boolean> {
      const rows = await readStore.query(
        "SELECT user_token FROM user_tokens WHERE merchant_id = ? AND client_user_key = ? AND status = 'active'",
        [merchantId, clientUserKey],
      );
      return rows.length > 0;
    },

    /**
     * The user_token checkout/update answers: the token that authenticated a 0-click checkout, or, for a
     * tokenizing one once settled ("You will get user_token when the transaction status is settled"), the
     * token issued for it. Checkout stream first (which token), then the token's own stream, both
     * idempotent, so a retried update after a crash between the two finishes the issue with the same token.
     */
    async userTokenAfterUpdate(
      state: CheckoutState,
      initiated: InitiatedData,
      caller: Caller,
    ): Promise<string | null> {
      if (state.tokenAuth !== undefined) return state.tokenAuth.userToken;
      const tokenization = state.tokenization;
      if (tokenization === undefined || state.settlement === undefined) return null;
      const { transactionId, merchantId } = initiated;
      const merchant = { ...caller, actor: `merchant:${merchantId}` };
      let userToken = tokenization.userToken;
      if (userToken === undefined) {
        const recorded = await ledger.checkoutCommand(
          transactionId,
          { type: "RecordUserToken", userToken: randomUUID() },
          merchant,
          merchantId,
        );
        userToken = recorded.state.tokenization!.userToken!;
      }
      const deviceId = initiated.details.device_id;
      const issued = await ledger.userTokens.handle(
        userTokenStream(userToken),
        {
          type: "Issue",
          data: {
            userToken,
            merchantId,
            clientUserKey: tokenization.clientUserKey,
            userId: state.settlement.userId,
            via: "checkout",
            transactionId,
            deviceId: typeof deviceId === "string" ? deviceId : undefined,
          },
        },
        ledger.meta(merchant, merchantId),
      );
      if (issued.position !== undefined) await ledger.options.waitForProjections(issued.position);
      return userToken;
    },

    /** get_credit_details: the remaining limit per tenure of the buyer an active token of this merchant names. */
    async creditDetails(serverKey: string, userToken: string): Promise<Record<Tenure, bigint>> {
      const { merchantId } = await ledger.merchantByKey(serverKey);
      const token = await findToken(userToken);
      if (token === undefined || token.status !== "active" || token.issued?.merchantId !== merchantId) {
        throw new Rejection<CheckoutUseCaseRule>("user_token_must_be_active_for_merchant");
      }
      const { state: line } = await ledger.creditLines.load(
        creditLineStream(kredivoLine(token.issued.userId)),
      );
      const remaining = (tenure: Tenure) => availableFor(line, tenure);
      return { 1: remaining(1), 3: remaining(3), 6: remaining(6), 12: remaining(12) };
    },

    /** An operator revokes a token; revoking a revoked one again changes nothing. Undefined: no such token. */
    async revokeUserToken(userToken: string, caller: Caller) {
      const token = await findToken(userToken);
      if (token?.issued === undefined) return undefined;
      const handled = await ledger.userTokens.handle(
        userTokenStream(userToken),
        { type: "Revoke" },
        ledger.meta(caller, token.issued.merchantId),
      );
      if (handled.position !== undefined) await ledger.options.waitForProjections(handled.position);
      return handled.state;
    },
  };
}
