import { z } from "zod";
import { boundedText, KREDMINT_FIELD_MAX_CHARS as MAX, mobileSchema, notGiven } from "./common.ts";
import { envelopeSchema } from "./envelope.ts";

// `POST` and `GET /kredmint/account/supplier` (seed 000 "Distributor / Supplier Management").

const required = (what: string) => ({
  error: (issue: { input?: unknown }) =>
    issue.input === undefined
      ? `is required; send the ${what}`
      : `must be a string; send the ${what} as text`,
});

const mandatoryText = (what: string, max: number) =>
  z
    .string(required(what))
    .min(1, `is empty; send the ${what}`)
    .max(max, `is longer than ${max} characters; shorten it`);

export const createSupplierSchema = z.object({
  username: mobileSchema,
  supplierName: mandatoryText("supplier's full name", MAX.name),
  mobile: z
    .string(required("supplier's mobile number"))
    .regex(
      /^[0-9]{9,12}$/,
      'must be 9 to 12 digits, e.g. "7982892274"; send the mobile number without + or spaces',
    ),
  email: notGiven(boundedText(254).pipe(z.email("must be an email address, e.g. supplier@example.com"))),
  gstin: notGiven(
    z
      .string()
      .regex(
        /^[A-Za-z0-9]{1,15}$/,
        "must be up to 15 letters or digits, e.g. 27AAPFU0939F1ZV; send the GST number",
      ),
  ),
  accountHolderName: mandatoryText("account holder's name", MAX.name),
  accountNumber: z
    .string(required("bank account number"))
    .regex(
      /^[A-Za-z0-9]{4,34}$/,
      "must be 4 to 34 letters or digits; send the account number without spaces",
    ),
  ifsc: z
    .string(required("IFSC code"))
    .regex(
      /^[A-Za-z0-9]{11,12}$/,
      'must be 11 or 12 letters or digits, e.g. "ICIC0000012"; send the IFSC code',
    ),
  bankName: mandatoryText("bank's name", MAX.name),
  branchName: mandatoryText("branch's name", MAX.name),
});
export type CreateSupplierRequest = z.infer<typeof createSupplierSchema>;

export const listSuppliersQuerySchema = z.object({ username: mobileSchema });

export const supplierPayloadSchema = z.object({
  id: z.string().describe("SUPB-<n>"),
  lenderId: z.string(),
  creationDate: z.number().int(),
  lastModifiedDate: z.number().int(),
  userId: z.string(),
  mobile: z.string(),
  gstin: z.string().nullable(),
  supplierName: z.string(),
  supplierBankId: z.string().describe("BNK-<n>"),
  status: z.enum(["Initiated", "Verified"]).describe("Initiated until the bank account is verified"),
  email: z.string().nullable(),
  partnerInvoice: z.boolean(),
  seqPrefix: z.literal("SUPB-"),
});
export type SupplierPayload = z.infer<typeof supplierPayloadSchema>;

export const supplierResponseSchema = envelopeSchema(supplierPayloadSchema);
export const supplierListResponseSchema = envelopeSchema(z.array(supplierPayloadSchema));
