import { z } from "zod";
import { type DomainEvents, type EventData, eventCodec } from "../../../contracts/event-codec.ts";

/**
 * `supplier-<userId>:<ifsc>:<accountNumber>`: one supplier (distributor) of one partner's user, with its bank
 * account, known as `SUPB-<n>` with bank `BNK-<n>` (DESIGN.md "stream kinds"). One stream per user and bank
 * account, so a retried registration finds the supplier it made.
 */
export const supplierEvents = {
  SupplierRegistered: {
    schemaVersion: 1,
    data: z.object({
      supplierId: z.string(),
      supplierBankId: z.string(),
      partnerId: z.string(),
      userId: z.string(),
      supplierName: z.string(),
      mobile: z.string(),
      email: z.string().nullable(),
      gstin: z.string().nullable(),
      accountHolderName: z.string(),
      accountNumber: z.string(),
      ifsc: z.string(),
      bankName: z.string(),
      branchName: z.string(),
    }),
  },
  /** An operator checked the bank account (a penny drop or the bank's confirmation, by `reference`). */
  SupplierBankAccountVerified: { schemaVersion: 1, data: z.object({ reference: z.string() }) },
};

export type SupplierEvent = DomainEvents<typeof supplierEvents>;
export type SupplierDetails = EventData<SupplierEvent, "SupplierRegistered">;
export const supplierCodec = eventCodec(supplierEvents);
