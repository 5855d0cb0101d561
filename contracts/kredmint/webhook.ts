import { z } from "zod";
import { jsonAmount } from "./envelope.ts";
import { WEBHOOK_INVOICE_STATUSES } from "./invoice.ts";
import { PARTNER_USER_STATES } from "./states.ts";

// The webhooks we send to a partner's webhook URL (seed 000 "Webhooks"): `{"payload": …, "type", "timestamp"}`.

/** `type: "INVOICE"`: a disbursal moved (every status but our Requested), body exactly as the seed's. */
export const invoiceWebhookSchema = z.object({
  payload: z.object({
    id: z.string().describe("IN-<n>"),
    username: z.string(),
    invoiceNumber: z.string(),
    paymentDate: z.number().int(),
    amount: jsonAmount,
    transactionId: z.string().nullable(),
    status: z.enum(WEBHOOK_INVOICE_STATUSES),
    utr: z.string().nullable(),
    reason: z.string().nullable(),
  }),
  type: z.literal("INVOICE"),
  timestamp: z.number().int(),
});

/**
 * `type: "USER"` (ours; the seed lists the type, not its payload): a user's state changed: UnderReview
 * (financial data uploaded), Active (with its credit limit) or Rejected (with the reason).
 */
export const userWebhookSchema = z.object({
  payload: z.object({
    id: z.string().describe("USR-<n>"),
    username: z.string(),
    state: z.enum(PARTNER_USER_STATES),
    creditLimit: jsonAmount.nullable(),
    reason: z.string().nullable(),
  }),
  type: z.literal("USER"),
  timestamp: z.number().int(),
});
