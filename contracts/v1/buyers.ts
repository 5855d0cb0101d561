import { z } from "zod";
import { reasonSchema } from "./merchants.ts";

// /v1/buyers (role admin): a lender onboards the Checkout API's buyers by phone; the buyer sets the PIN
// through a one-time link. Every change is an event on `buyer-<userId>` with the admin's key as actor.

export const buyerParamsSchema = z.strictObject({
  userId: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,189}$/, "must_be_a_user_id")
    .describe("the buyer's user id, e.g. buy-1f2e3d4c5b6a7988"),
});

/** Digits, optionally after a +, 6 to 15 of them (E.164's length); the seed's sandbox phone is 900000000. */
export const phoneSchema = z.string().regex(/^\+?[0-9]{6,15}$/, "must_be_6_to_15_digits");

export const registerBuyerSchema = z.strictObject({ phone: phoneSchema });

/** How long a PIN link works: 10 minutes to 7 days, 24 hours unless given. */
export const pinLinkSchema = z.strictObject({
  ttlSeconds: z
    .int()
    .min(600)
    .max(7 * 24 * 3600)
    .default(24 * 3600),
});

export const buyerStatusChangeSchema = z.strictObject({ reason: reasonSchema });

export const buyerViewSchema = z.strictObject({
  userId: z.string(),
  phone: z.string(),
  status: z.enum(["active", "frozen", "closed"]),
  pinSet: z.boolean(),
  registeredAt: z.string(),
});
export type BuyerView = z.infer<typeof buyerViewSchema>;

export const pinLinkIssuedSchema = z.strictObject({
  userId: z.string(),
  url: z.string().describe("the link to give the buyer (by SMS, e-mail): it works once, until expiresAt"),
  expiresAt: z.string(),
});

/** The PIN the buyer chooses on the link's page: 6 digits, typed twice. */
export const pinFormSchema = z.object({
  pin: z.string().regex(/^[0-9]{6}$/),
  pinConfirm: z.string().regex(/^[0-9]{6}$/),
});
export const pinTokenParamsSchema = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/) });
