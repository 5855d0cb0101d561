import { z } from "zod";
import { boundedText, KREDMINT_FIELD_MAX_CHARS as MAX, mobileSchema, notGiven } from "./common.ts";
import { envelopeSchema } from "./envelope.ts";

// `POST /kredmint/user/document/upload` (seed 000 "Upload Financial Data"): multipart/form-data with `file`
// (csv or json), `docType=FINANCIAL_DATA`, `username`, optional `userId` and `docPassword`.

/** A file part of a multipart form, read whole (within the size limit) before the form is validated. */
export interface UploadedFile {
  readonly filename: string;
  readonly mimetype: string;
  readonly bytes: Buffer;
}

const isUploadedFile = (value: unknown): value is UploadedFile =>
  value !== null &&
  typeof value === "object" &&
  "filename" in value &&
  typeof value.filename === "string" &&
  "mimetype" in value &&
  typeof value.mimetype === "string" &&
  "bytes" in value &&
  Buffer.isBuffer(value.bytes);

/** A `file` part (`what`: what to send, for the messages): in the OpenAPI document a binary string. */
export const filePartSchema = (what: string) =>
  z
    .custom<UploadedFile>(isUploadedFile, {
      error: (issue) =>
        issue.input === undefined
          ? `is required; send ${what} as the form's file part`
          : `must be a file part, not a text field; send ${what} as a file`,
    })
    .meta({ type: "string", format: "binary", description: what });

export const uploadedFileSchema = filePartSchema("the financial data (csv or json, README: formats)");

export const USER_ID_PATTERN = /^USR-[0-9]{1,18}$/;

export const uploadDocumentSchema = z.object({
  file: uploadedFileSchema,
  docType: z.literal("FINANCIAL_DATA", {
    error: (issue) =>
      issue.input === undefined
        ? "is required; send FINANCIAL_DATA"
        : "must be FINANCIAL_DATA; send FINANCIAL_DATA",
  }),
  username: mobileSchema,
  userId: notGiven(
    z.string().regex(USER_ID_PATTERN, "must be USR-<n> as the eligibility call answered it, or left out"),
  ),
  /** Accepted, never stored nor logged: the formats we take are not password-protected. */
  docPassword: notGiven(boundedText(MAX.text)),
});
export type UploadDocumentRequest = z.infer<typeof uploadDocumentSchema>;

export const documentPayloadSchema = z.object({
  id: z.string().describe("UDOC-<n>"),
  createdBy: z.string(),
  creationDate: z.number().int(),
  lastModifiedDate: z.number().int(),
  lastModifiedBy: z.string(),
  url: z.string().describe("a signed link to the file, valid until urlExpiryDate"),
  userId: z.string(),
  name: z.string(),
  relativeUrl: z.string().describe("<userId>/<6 characters>-<name>"),
  documentType: z.literal("FINANCIAL_DATA"),
  urlExpiryDate: z.number().int().describe("epoch ms, 24 hours after the upload answered"),
  seqPrefix: z.literal("UDOC-"),
});
export type DocumentPayload = z.infer<typeof documentPayloadSchema>;

export const documentResponseSchema = envelopeSchema(documentPayloadSchema);

/** `GET /kredmint/files/{userId}/{name}?expires=&signature=`: the signed link of a document. */
export const documentLinkParamsSchema = z.object({
  userId: z.string().regex(USER_ID_PATTERN, "must be USR-<n>"),
  name: z
    .string()
    .min(1)
    .max(MAX.name + 8),
});
export const documentLinkQuerySchema = z.object({
  expires: z.string().regex(/^[0-9]{1,15}$/, "must be epoch milliseconds"),
  signature: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, "must be the link's signature"),
});
