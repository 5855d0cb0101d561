import { randomUUID } from "node:crypto";
import { type TokenizeInitRequest, tokenizeSignatureKey } from "../../../contracts/checkout/tokenize.ts";
import { creditLineStream, kredivoLine } from "../../ledger/creditline/creditline.stream.ts";
import { type Caller, Rejection } from "../../ledger/decider.ts";
import {
  type TokenizationCommand,
  tokenizationStream,
} from "../../ledger/tokenization/tokenization.decider.ts";
import { userTokenStream } from "../../ledger/usertoken/usertoken.decider.ts";
import { newSessionToken, sameSignature, sha256Hex } from "../credentials.ts";
import { buyerCredentials } from "./buyer-credentials.ts";
import { asBuyer } from "./buyer-sign-in.ts";
import type { CheckoutLedger } from "./checkout-ledger.ts";
import type { CheckoutUseCaseRule } from "./rules.ts";
import type { userTokens } from "./user-tokens.ts";

/** Tokenization ids are UUIDs; anything else names none and never becomes a stream name. */
const TOKENIZATION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * user/tokenize/init and its hosted page (seed 001 "Tokenize Kredivo Account"): the merchant asks, the buyer
 * signs in on our page (phone, PIN, OTP, as on the checkout page), and the token is issued into the
 * usertoken stream as 0-click's are. The merchant hears the outcome at its callback_url (the notifier,
 * tokenize-callback-source.ts).
 */
export function tokenization(ledger: CheckoutLedger, tokens: ReturnType<typeof userTokens>) {
  const { options } = ledger;
  const credentials = buyerCredentials(ledger.readStore, ledger.options.otpCodes, ledger.buyerSecrets);

  const tokenizeUrl = (tokenizationId: string) =>
    `${options.publicBaseUrl}/kredivo/signIn/tokenize?cid=${tokenizationId}`;

  const loadTokenization = async (tokenizationId: string) => {
    if (TOKENIZATION_ID.test(tokenizationId)) {
      const { state } = await ledger.tokenizations.load(tokenizationStream(tokenizationId));
      if (state.requested !== undefined) return { state, requested: state.requested };
    }
    throw new Rejection<CheckoutUseCaseRule>("tokenization_must_be_known", { tokenizationId });
  };

  const command = async (
    tokenizationId: string,
    cmd: TokenizationCommand,
    caller: Caller,
    tenantId: string,
  ) => {
    const handled = await ledger.tokenizations.handle(
      tokenizationStream(tokenizationId),
      cmd,
      ledger.meta(caller, tenantId),
    );
    if (handled.position !== undefined) await options.waitForProjections(handled.position);
    return handled;
  };

  /**
   * After the OTP: the token is issued when the buyer's credit line is open ("Wallet is inactive"
   * otherwise), first into its own stream, then the tokenization succeeds. Both are idempotent (the token
   * was chosen at the request), so a step retried after a crash between them finishes with the same token.
   */
  const finish = async (tokenizationId: string, caller: Caller) => {
    const { state, requested } = await loadTokenization(tokenizationId);
    if (state.phase !== "otp_verified" || state.userId === undefined) return state;
    const { state: line } = await ledger.creditLines.load(creditLineStream(kredivoLine(state.userId)));
    const buyer = asBuyer(caller, state.userId);
    if (line.open) {
      const { userToken, merchantId, clientUserKey } = requested;
      const issued = await ledger.userTokens.handle(
        userTokenStream(userToken),
        {
          type: "Issue",
          data: { userToken, merchantId, clientUserKey, userId: state.userId, via: "tokenize" },
        },
        ledger.meta(buyer, merchantId),
      );
      if (issued.position !== undefined) await options.waitForProjections(issued.position);
    }
    const completed = await command(
      tokenizationId,
      { type: "Complete", walletActive: line.open },
      buyer,
      requested.merchantId,
    );
    return completed.state;
  };

  return {
    tokenizeUrl,
    loadTokenization,
    finishTokenization: finish,

    /** Rules in the seed's precedence (after the body's 1002): 2012 → 2030 → 2009. */
    async tokenizeInit(request: TokenizeInitRequest, caller: Caller) {
      const { merchantId } = await ledger.merchantByKey(request.server_key);
      const expected = tokenizeSignatureKey({
        serverKey: request.server_key,
        clientUserKey: request.client_user_key,
        callbackUrl: request.callback_url,
      });
      if (!sameSignature(expected, request.signature_key.toLowerCase()))
        throw new Rejection<CheckoutUseCaseRule>("tokenize_signature_key_must_match");
      if (await tokens.hasActiveToken(merchantId, request.client_user_key))
        throw new Rejection<CheckoutUseCaseRule>("client_user_key_must_not_be_tokenized");
      const tokenizationId = randomUUID();
      const requestedAt = Date.parse(options.now().toISOString());
      await command(
        tokenizationId,
        {
          type: "Request",
          data: {
            tokenizationId,
            merchantId,
            clientUserKey: request.client_user_key,
            callbackUrl: request.callback_url,
            backToStoreUrl: request.back_to_store_url,
            userToken: randomUUID(),
            expiresAt: new Date(requestedAt + options.checkoutExpirySeconds * 1000).toISOString(),
          },
        },
        { ...caller, actor: `merchant:${merchantId}` },
        merchantId,
      );
      return { tokenizationId, tokenizeUrl: tokenizeUrl(tokenizationId) };
    },

    async tokenizationSignIn(tokenizationId: string, phone: string, pin: string, caller: Caller) {
      const { requested } = await loadTokenization(tokenizationId);
      const userId = await credentials.userIdFor(phone, pin);
      const session = newSessionToken();
      const handled = await command(
        tokenizationId,
        { type: "SignIn", userId, sessionHash: sha256Hex(session) },
        asBuyer(caller, userId),
        requested.merchantId,
      );
      return { session: userId === undefined ? undefined : session, state: handled.state };
    },

    /** The OTP; once verified, the tokenization is finished at once. */
    async tokenizationVerifyOtp(tokenizationId: string, session: string, otp: string, caller: Caller) {
      const { state, requested } = await loadTokenization(tokenizationId);
      const otpValid = await credentials.otpMatches(state.userId, otp);
      const handled = await command(
        tokenizationId,
        { type: "VerifyOtp", sessionHash: sha256Hex(session), otpValid },
        asBuyer(caller, state.userId),
        requested.merchantId,
      );
      return otpValid ? finish(tokenizationId, caller) : handled.state;
    },
  };
}
