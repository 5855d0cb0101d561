import { z } from "zod";
import { PARTNER_USER_STATES } from "../kredmint/states.ts";
import { parseMoney } from "../money.ts";

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

export const partnerUserParamsSchema = z.object({
  partnerId: partnerIdSchema,
  userId: z.string().regex(/^USR-[0-9]{1,18}$/, "USR-<n>, as the eligibility call answered it"),
});

/** An INR amount as a decimal string of at most 2 decimals, above zero ("100000.00"); never a JSON number. */
const positiveInrDecimal = z
  .string({ error: (iss) => (iss.input === undefined ? "required" : "amount_must_be_a_decimal_string") })
  .max(24)
  .superRefine((text, ctx) => {
    const parsed = parseMoney(text, "INR");
    if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.rule });
    else if (parsed.value.amountMinor <= 0n)
      ctx.addIssue({ code: "custom", message: "amount_must_be_positive" });
  });

/** The validated INR decimal in paise. */
export function inrMinor(amount: string): bigint {
  const parsed = parseMoney(amount, "INR");
  if (!parsed.ok) throw new TypeError(`amount ${amount} was not validated: ${parsed.rule}`);
  return parsed.value.amountMinor;
}

/** An operator's decision on a user under review. */
export const userDecisionSchema = z.discriminatedUnion("decision", [
  z.object({
    decision: z.literal("approve"),
    creditLimit: positiveInrDecimal.describe('the INR revolving credit limit, e.g. "100000.00"'),
  }),
  z.object({ decision: z.literal("reject"), reason: z.string().min(1).max(500) }),
]);

export const userReviewSchema = z.object({
  userId: z.string(),
  partnerId: z.string(),
  mobile: z.string(),
  state: z.enum(PARTNER_USER_STATES),
  profile: z
    .record(z.string(), z.string())
    .describe("the partner's prefill, then the user's own profile form"),
  creditLimit: z.string().nullable().describe("INR, once approved"),
  documents: z.array(
    z.object({
      id: z.string().describe("UDOC-<n>"),
      name: z.string(),
      relativeUrl: z.string(),
      format: z.enum(["csv", "json"]),
      sha256: z.string(),
      sizeBytes: z.number().int(),
      uploadedBy: z.string(),
      months: z.number().int(),
      proposedCreditLimit: z.string().describe("INR, the underwriting rule's proposal over this file"),
      basis: z.string(),
    }),
  ),
});
export type UserReviewView = z.infer<typeof userReviewSchema>;

export const disbursalParamsSchema = z.object({
  partnerId: partnerIdSchema,
  disbursalId: z.string().regex(/^IN-[0-9]{1,18}$/, "IN-<n>, as the disbursal's webhook named it"),
});

const reasonSchema = z.string().min(1).max(500).describe("why, as the partner's webhook will say it");

/** An operator moves a disbursal one step: the seed's statuses, in order (README: Partner API, disbursals). */
export const disbursalMoveSchema = z.discriminatedUnion("move", [
  z.object({ move: z.literal("verify") }),
  z.object({ move: z.literal("approve") }),
  z.object({
    move: z.literal("pay"),
    utr: z.string().regex(/^[A-Za-z0-9]{6,32}$/, "the bank's UTR: 6 to 32 letters or digits"),
    transactionId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional()
      .describe("the payout's id; TXN-<disbursal id> when absent"),
  }),
  z.object({ move: z.literal("fail"), reason: reasonSchema }),
  z.object({ move: z.literal("cancel"), reason: reasonSchema }),
]);
export type DisbursalMoveBody = z.infer<typeof disbursalMoveSchema>;

export const disbursalViewSchema = z.object({
  id: z.string(),
  partnerId: z.string(),
  userId: z.string(),
  username: z.string(),
  invoiceNumber: z.string(),
  paymentDate: z.number().int(),
  amount: z.string().describe("INR decimal"),
  payee: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("supplier"), supplierId: z.string() }),
    z.object({ kind: z.literal("partner"), partnerId: z.string() }),
  ]),
  status: z.enum([
    "Requested",
    "Initiated",
    "Verified",
    "Approved",
    "Paid",
    "Failed",
    "Cancelled",
    "Completed",
  ]),
  transactionId: z.string().nullable(),
  utr: z.string().nullable(),
  reason: z.string().nullable(),
  autoPayAt: z.string().nullable(),
  invoiceDocuments: z.array(z.object({ id: z.string(), name: z.string(), sha256: z.string() })),
});
export type DisbursalView = z.infer<typeof disbursalViewSchema>;
