import { z } from "zod";
import { dealerCodeSchema, dealerParamsSchema } from "./dealers.ts";

// /v1/merchants (role admin): a lender onboards the Checkout API's merchants (seed 001 has each merchant
// hold a `server_key`), rotates their keys and suspends them. Every change is an event on `merchant-<id>`
// carrying the operator's key as its actor, and the reason where one is given.

export const merchantParamsSchema = dealerParamsSchema;

/** Why an operator changed something: kept on the event. */
export const reasonSchema = z.string().min(1).max(500).describe("why, as the event will record it");

/** The longest a replaced key may keep working beside its successor: 30 days. */
export const MAX_KEY_OVERLAP_SECONDS = 30 * 24 * 3600;

/**
 * How the merchant's pushes (transaction pushes and tokenization callbacks) carry a Standard Webhooks
 * `webhook-signature` (README "Push signing"); the body's seed `signature_key` is there whatever this says.
 */
export const PUSH_SIGNING_MODES = ["server_key_hash", "dedicated_secret", "off"] as const;

export const pushSigningSchema = z.strictObject({
  standardWebhooks: z
    .enum(PUSH_SIGNING_MODES)
    .describe(
      "server_key_hash: keyed with the UTF-8 text of hex(SHA-256(server_key)); dedicated_secret: with a whsec_ secret shown once; off: no webhook-signature",
    ),
});

export const registerMerchantSchema = z.strictObject({
  name: z.string().min(1).max(255),
  /** The merchant discount rate in basis points of the checkout amount (150 = 1.5 %). */
  feeRateBps: z.int().min(0).max(10_000),
  status: z.enum(["active", "suspended"]).default("active"),
  dealerCodes: z.array(dealerCodeSchema).max(100).default([]),
  pushSigning: pushSigningSchema.default({ standardWebhooks: "server_key_hash" }),
});
export type RegisterMerchantBody = z.infer<typeof registerMerchantSchema>;

export const rotateServerKeySchema = z.strictObject({
  overlapSeconds: z
    .int()
    .min(0)
    .max(MAX_KEY_OVERLAP_SECONDS)
    .default(0)
    .describe("how long the replaced key keeps working beside the new one; 0 stops it at once"),
  reason: reasonSchema,
});

/** Choosing dedicated_secret again issues a new secret: the rotation, effective at once. */
export const setPushSigningSchema = pushSigningSchema.extend({ reason: reasonSchema });

export const merchantStatusChangeSchema = z.strictObject({ reason: reasonSchema });

export const merchantViewSchema = z.strictObject({
  merchantId: z.string(),
  name: z.string(),
  feeRateBps: z.number(),
  status: z.enum(["active", "suspended"]),
  dealerCodes: z.array(z.string()),
  registeredAt: z.string(),
  pushSigning: pushSigningSchema,
  previousKeyValidUntil: z
    .string()
    .nullable()
    .describe("while a rotation's overlap lasts, when the replaced key stops working"),
});
export type MerchantView = z.infer<typeof merchantViewSchema>;

const webhookSecret = z
  .string()
  .optional()
  .describe("with dedicated_secret: the whsec_ secret pushes are signed with, shown in this answer only");

export const merchantWithKeySchema = merchantViewSchema.extend({
  serverKey: z.string().describe("the server_key: shown in this answer only, never again"),
  webhookSecret,
});

export const merchantWithPushSigningSchema = merchantViewSchema.extend({ webhookSecret });

export const merchantListSchema = z.strictObject({ merchants: z.array(merchantViewSchema) });
