import { z } from "zod";
import { type DomainEvents, type EventData, eventCodec } from "../../../contracts/event-codec.ts";

/** Why a tokenization failed; the callback's `message` says it in the seed's words. */
export const TOKENIZATION_FAILURES = ["wallet_inactive", "max_otp_attempt"] as const;
export type TokenizationFailure = (typeof TOKENIZATION_FAILURES)[number];

/**
 * `tokenization-<tokenizationId>`: one user/tokenize/init (seed 001 "Tokenize Kredivo Account"), the buyer's
 * steps on the hosted tokenization page, and its outcome, which the merchant's callback_url hears about.
 * A tokenization is a stream of its own (not part of the token's): it exists before any token does, may
 * end without one, and its page is worked on by a buyer, not by the merchant who holds the token. The token
 * it issues goes into the usertoken stream as 0-click's do.
 */
export const tokenizationEvents = {
  TokenizationRequested: {
    schemaVersion: 1,
    data: z.object({
      tokenizationId: z.string(),
      merchantId: z.string(),
      clientUserKey: z.string(),
      callbackUrl: z.string(),
      backToStoreUrl: z.string(),
      /** The token issued on success, chosen up front so a retried step issues the same one. */
      userToken: z.string(),
      requestedAt: z.string(),
      /** The page's link works until then. */
      expiresAt: z.string(),
    }),
  },
  /** Phone and PIN matched a buyer; the browser holding the session may go on to the OTP. */
  TokenizationSignedIn: {
    schemaVersion: 1,
    data: z.object({ userId: z.string(), sessionHash: z.string() }),
  },
  TokenizationSignInFailed: { schemaVersion: 1, data: z.object({ failedAttempts: z.number().int() }) },
  TokenizationOtpFailed: { schemaVersion: 1, data: z.object({ failedAttempts: z.number().int() }) },
  /** The OTP matched: the buyer is who they say. Whether their wallet may be tokenized is the next step. */
  TokenizationOtpVerified: { schemaVersion: 1, data: z.object({ verifiedAt: z.string() }) },
  /** The token is issued (usertoken stream) and the merchant is told (callback, status success). */
  TokenizationSucceeded: {
    schemaVersion: 1,
    data: z.object({ userToken: z.string(), userId: z.string(), succeededAt: z.string() }),
  },
  /** No token; the merchant is told why (callback, status failed). */
  TokenizationFailed: {
    schemaVersion: 1,
    data: z.object({ reason: z.enum(TOKENIZATION_FAILURES), failedAt: z.string() }),
  },
};

export type TokenizationEvent = DomainEvents<typeof tokenizationEvents>;
export type TokenizationRequestedData = EventData<TokenizationEvent, "TokenizationRequested">;
export const tokenizationCodec = eventCodec(tokenizationEvents);
