import { z } from "zod";
import { type DomainEvents, type EventData, eventCodec, minorUnits } from "../../../contracts/event-codec.ts";

/** Who is paid: the supplier (supplier flow) or the partner itself (anchor flow). */
const payee = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("supplier"), supplierId: z.string() }),
  z.object({ kind: z.literal("partner"), partnerId: z.string() }),
]);

/**
 * `disbursal-<userId>:<invoiceNumber>`: one invoice financing (`IN-<n>`) of one partner's user. One stream per
 * user and invoice number (as suppliers are per user and bank account), so the same eligibility request again
 * finds the invoice it recorded and an invoice number is unique per user without a read model.
 */
export const disbursalEvents = {
  /**
   * The partner's eligibility call (page `payment`) named an invoice: recorded, not yet confirmed by the
   * user (our status `Requested`, never sent to the partner). `payee` is the supplier (supplier flow) or the
   * partner itself (anchor flow).
   */
  DisbursalRequested: {
    schemaVersion: 1,
    data: z.object({
      disbursalId: z.string(),
      partnerId: z.string(),
      userId: z.string(),
      username: z.string(),
      invoiceNumber: z.string(),
      /** The seed's `paymentDate`: the disbursement date in epoch milliseconds, the journal's effective time. */
      paymentDateMs: z.number().int(),
      amountMinor: minorUnits,
      invoicePdf: z.string().nullable(),
      payee,
    }),
  },
  /**
   * The user confirmed on the landing page (OTP): the amount is held on the credit line (the hold is placed
   * first, named by the disbursal id). `autoPayAt`: a sandbox partner's disbursal moves itself to Paid then.
   */
  DisbursalInitiated: {
    schemaVersion: 1,
    data: z.object({ confirmedBy: z.string(), autoPayAt: z.string().nullable() }),
  },
  DisbursalVerified: { schemaVersion: 1, data: z.object({ by: z.string() }) },
  DisbursalApproved: { schemaVersion: 1, data: z.object({ by: z.string() }) },
  /**
   * Paid out to the payee; the hold was captured into a drawdown first. It repeats the request's user, amount,
   * payee and payment date, so the journal posts it from this event alone.
   */
  DisbursalPaid: {
    schemaVersion: 1,
    data: z.object({
      transactionId: z.string(),
      utr: z.string(),
      paidAt: z.string(),
      by: z.string(),
      userId: z.string(),
      amountMinor: minorUnits,
      payee: payee,
      paymentDateMs: z.number().int(),
    }),
  },
  /** Not paid; the hold (if one was placed) was released first. */
  DisbursalFailed: { schemaVersion: 1, data: z.object({ reason: z.string(), by: z.string() }) },
  DisbursalCancelled: { schemaVersion: 1, data: z.object({ reason: z.string(), by: z.string() }) },
  /** The drawdown is repaid in full. */
  DisbursalCompleted: { schemaVersion: 1, data: z.object({ repaidAt: z.string() }) },
  /** The invoice's pdf, uploaded after the disbursal (`UDOC-<n>`), kept in the blob store by its SHA-256. */
  InvoiceDocumentUploaded: {
    schemaVersion: 1,
    data: z.object({
      documentId: z.string(),
      partnerId: z.string(),
      userId: z.string(),
      name: z.string(),
      relativeUrl: z.string(),
      sha256: z.string(),
      sizeBytes: z.number().int(),
      uploadedBy: z.string(),
    }),
  },
};

export type DisbursalEvent = DomainEvents<typeof disbursalEvents>;
export type DisbursalRequest = EventData<DisbursalEvent, "DisbursalRequested">;
export type InvoiceDocument = EventData<DisbursalEvent, "InvoiceDocumentUploaded">;
export const disbursalCodec = eventCodec(disbursalEvents);
