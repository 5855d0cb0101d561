import { z } from "zod";

// /v1/partners (operator): the Partner API's partners are data (seed 000: "Partner ID provided by kredmint").

export const partnerIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "1 to 64 letters, digits, _ or -");

const secretSchema = z
  .string()
  .min(16)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, "visible ASCII, no spaces");

export const registerPartnerSchema = z.object({
  partnerId: partnerIdSchema,
  name: z.string().min(1).max(255),
  /** The Basic secret; made for you (and answered once) when absent. */
  secret: secretSchema.optional(),
  /** The static onboarding URL's clientToken; made for you (and answered once) when absent. */
  clientToken: secretSchema.optional(),
  allowedSources: z
    .array(z.string().regex(/^[A-Z0-9_]{1,32}$/, "1 to 32 capital letters, digits or _"))
    .min(1)
    .max(20),
  webhookUrl: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional(),
  /** `user:password` we send as Basic on webhooks; kept out of the log. */
  webhookAuth: z
    .string()
    .max(512)
    .regex(/^[^:]+:.*$/, "user:password")
    .optional(),
});
export type RegisterPartnerBody = z.infer<typeof registerPartnerSchema>;

export const partnerViewSchema = z.object({
  partnerId: z.string(),
  name: z.string(),
  allowedSources: z.array(z.string()),
  webhookUrl: z.string().nullable(),
  webhookAuthSet: z.boolean().describe("whether webhook Basic credentials are stored (never shown)"),
});

export const registeredPartnerSchema = partnerViewSchema.extend({
  secret: z.string().optional().describe("the Basic secret, only when this call made it"),
  clientToken: z.string().optional().describe("the clientToken, only when this call made it"),
});

export const supplierParamsSchema = z.object({
  partnerId: partnerIdSchema,
  supplierId: z.string().regex(/^SUPB-[0-9]{1,18}$/, "SUPB-<n>, as the supplier was answered"),
});

export const verifySupplierSchema = z.object({
  /** The bank's or the penny drop's reference that proves the account. */
  reference: z.string().min(1).max(255),
});
