import { z } from "zod";
import { KREDMINT_FIELD_MAX_CHARS as MAX, mobileSchema } from "./common.ts";
import { filePartSchema } from "./document.ts";
import { jsonAmount } from "./envelope.ts";

// Invoice pay by credit (seed 000 "Loan Disbursal", "Invoice Upload API", "Webhooks").

/** An invoice number: unique per user, part of the disbursal's stream id, so letters, digits and `._/-` only. */
export const invoiceNumberSchema = z
  .string({ error: "is required; send the invoice's number" })
  .regex(
    new RegExp(`^[A-Za-z0-9._/-]{1,${MAX.id}}$`),
    `must be 1 to ${MAX.id} letters, digits, dots, slashes, underscores or hyphens, e.g. "5435323121"`,
  );

/** `POST /kredmint/account/invoice/upload`: multipart/form-data with `file` (pdf), `username`, `invoiceNumber`. */
export const uploadInvoiceSchema = z.object({
  file: filePartSchema("the invoice (a pdf)"),
  username: mobileSchema,
  invoiceNumber: invoiceNumberSchema,
});

/** The seed's Invoice Upload payload (fewer fields than financial data's, as the seed shows). */
export const invoiceDocumentPayloadSchema = z.object({
  id: z.string().describe("UDOC-<n>"),
  url: z.string().describe("a signed link to the pdf, valid until urlExpiryDate"),
  userId: z.string(),
  name: z.string(),
  relativeUrl: z.string().describe("<userId>/<6 characters>-<name>"),
  documentType: z.literal("INVOICE"),
  urlExpiryDate: z.number().int().describe("epoch ms, 24 hours after the upload answered"),
});
export type InvoiceDocumentPayload = z.infer<typeof invoiceDocumentPayloadSchema>;

/** The seed's Invoice Upload envelope has no `error` key. */
export const invoiceUploadResponseSchema = z.object({
  payload: invoiceDocumentPayloadSchema,
  sum: jsonAmount,
  timestamp: z.number().int(),
});

/** The seed's disbursal statuses on webhooks (our `Requested`, before the user confirms, is never sent). */
export const WEBHOOK_INVOICE_STATUSES = [
  "Initiated",
  "Verified",
  "Approved",
  "Paid",
  "Failed",
  "Completed",
  "Cancelled",
] as const;
