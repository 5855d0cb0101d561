import { z } from "zod";
import { type DomainEvents, type EventData, eventCodec, minorUnits } from "../../../contracts/event-codec.ts";

/** Why a 0-click checkout was sent to an OTP challenge (the risk rules, platform/config.ts ZERO_CLICK_*). */
export const RISK_FLAGS = [
  "amount_above_threshold",
  "device_not_seen",
  "too_many_checkouts_in_window",
] as const;
export type RiskFlag = (typeof RISK_FLAGS)[number];

/**
 * `usertoken-<userToken>`: one 0-click tokenization of a buyer for one merchant and one client_user_key
 * (seed 001 "0-click Checkout"). The token alone authenticates nothing: every use also needs the merchant's
 * server_key (and, at checkout/init, the client_user_key), which never enter the log.
 */
export const userTokenEvents = {
  UserTokenIssued: {
    schemaVersion: 1,
    data: z.object({
      userToken: z.string(),
      merchantId: z.string(),
      clientUserKey: z.string(),
      userId: z.string(),
      issuedAt: z.string(),
      /** The settled checkout that tokenized the buyer, or the tokenization page (user/tokenize/init). */
      via: z.enum(["checkout", "tokenize"]),
      transactionId: z.string().optional(),
      /** The device the buyer tokenized on, trusted by the device risk rule from then on. */
      deviceId: z.string().optional(),
    }),
  },
  /** A checkout/init with this token: the risk rules' outcome, empty when none flagged it. */
  ZeroClickCheckoutStarted: {
    schemaVersion: 1,
    data: z.object({
      transactionId: z.string(),
      amountMinor: minorUnits,
      deviceId: z.string().optional(),
      flaggedBy: z.array(z.enum(RISK_FLAGS)),
      startedAt: z.string(),
    }),
  },
  /** The buyer passed the OTP challenge of a flagged 0-click checkout; its device is trusted from then on. */
  ZeroClickChallengePassed: {
    schemaVersion: 1,
    data: z.object({ transactionId: z.string(), deviceId: z.string().optional(), passedAt: z.string() }),
  },
  UserTokenRevoked: {
    schemaVersion: 1,
    data: z.object({ revokedAt: z.string(), revokedBy: z.string() }),
  },
};

export type UserTokenEvent = DomainEvents<typeof userTokenEvents>;
export type UserTokenIssuedData = EventData<UserTokenEvent, "UserTokenIssued">;
export const userTokenCodec = eventCodec(userTokenEvents);
