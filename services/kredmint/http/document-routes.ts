import multipart from "@fastify/multipart";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  documentLinkParamsSchema,
  documentLinkQuerySchema,
  documentResponseSchema,
  uploadDocumentSchema,
} from "../../../contracts/kredmint/document.ts";
import { envelope, errorResponses } from "../../../contracts/kredmint/envelope.ts";
import { invoiceUploadResponseSchema, uploadInvoiceSchema } from "../../../contracts/kredmint/invoice.ts";
import type { KredmintService } from "../kredmint-service.ts";
import { KredmintRefusal } from "../refusal.ts";
import { partnerCaller, partnerOf } from "./partner-auth.ts";

/** The limits of a multipart form: one file of at most `fileSizeBytes`, a few short text fields. */
export const multipartLimits = (fileSizeBytes: number) => ({
  fileSize: fileSizeBytes,
  files: 1,
  fields: 10,
  fieldSize: 4096,
  parts: 12,
  headerPairs: 100,
});

/**
 * Multipart forms in a context: every part is read (the file whole, within its limit) before the route's zod
 * schema validates the form, so a refused form never reaches a use case and stores nothing. A file part
 * becomes `{filename, mimetype, bytes}`, a text part its value; a name sent twice becomes a list (which no
 * schema takes). A form that cannot be read is a 400 naming what is wrong.
 */
export async function multipartForms(app: FastifyInstance, fileSizeBytes: number): Promise<void> {
  await app.register(multipart, { limits: multipartLimits(fileSizeBytes) });
  app.addHook("preValidation", async (request) => {
    if (!request.isMultipart()) return;
    const form: Record<string, unknown> = {};
    const add = (name: string, value: unknown) => {
      const known = form[name];
      form[name] = known === undefined ? value : [known, value].flat();
    };
    try {
      for await (const part of request.parts()) {
        if (part.type === "file") {
          add(part.fieldname, {
            filename: part.filename,
            mimetype: part.mimetype,
            bytes: await part.toBuffer(),
          });
        } else {
          add(part.fieldname, part.value);
        }
      }
    } catch (error) {
      throw multipartRefusal(error, fileSizeBytes);
    }
    request.body = form;
  });
}

function multipartRefusal(error: unknown, fileSizeBytes: number): KredmintRefusal {
  const code = error instanceof Error && "code" in error ? error.code : undefined;
  switch (code) {
    case "FST_REQ_FILE_TOO_LARGE":
      return new KredmintRefusal(400, "file", `is over ${fileSizeBytes} bytes; send a smaller file`);
    case "FST_FILES_LIMIT":
      return new KredmintRefusal(
        400,
        "body",
        "has more than one file; send the financial data as the one file part",
      );
    case "FST_PARTS_LIMIT":
    case "FST_FIELDS_LIMIT":
      return new KredmintRefusal(
        400,
        "body",
        "has too many parts; send file, docType, username, userId and docPassword",
      );
    default: {
      const why = error instanceof Error ? error.message : "unreadable";
      return new KredmintRefusal(
        400,
        "body",
        `is not a well-formed multipart/form-data form (${why.slice(0, 100)}); send the parts with the boundary the Content-Type names`,
      );
    }
  }
}

/** `POST /user/document/upload` (seed "Upload Financial Data"), in its own context (multipart forms). */
export function documentUploadRoute(kredmint: KredmintService, now: () => Date, uploadMaxBytes: number) {
  return async (app: FastifyInstance): Promise<void> => {
    await multipartForms(app, uploadMaxBytes);
    app.withTypeProvider<ZodTypeProvider>().post(
      "/user/document/upload",
      {
        schema: {
          tags: ["kredmint"],
          summary: "Upload financial data (csv or json, multipart/form-data): the user goes under review",
          description:
            "`file` in one of the documented formats (README: Partner API, underwriting), `docType` " +
            "FINANCIAL_DATA, `username`, optional `userId` and `docPassword` (accepted, never stored).",
          security: [{ partnerBasic: [] }],
          consumes: ["multipart/form-data"],
          body: uploadDocumentSchema,
          response: { 200: documentResponseSchema, ...errorResponses([400, 401, 404, 406, 429, 500, 503]) },
        },
      },
      async (request) => {
        const { file, username, userId } = request.body;
        const target = { partnerId: partnerOf(request).partnerId, username, userId };
        const document = await kredmint.onboarding.uploadFinancialData(target, file, partnerCaller(request));
        return envelope(document, now());
      },
    );
  };
}

const DOCUMENT_CONTENT_TYPES = { csv: "text/csv", json: "application/json", pdf: "application/pdf" } as const;

/** `POST /account/invoice/upload` (seed "Invoice Upload API"): the invoice's pdf after the disbursal. */
export function invoiceUploadRoute(kredmint: KredmintService, now: () => Date, uploadMaxBytes: number) {
  return async (app: FastifyInstance): Promise<void> => {
    await multipartForms(app, uploadMaxBytes);
    app.withTypeProvider<ZodTypeProvider>().post(
      "/account/invoice/upload",
      {
        schema: {
          tags: ["kredmint"],
          summary: "Upload an invoice's pdf (multipart/form-data) after its disbursal, by its invoiceNumber",
          description:
            "`file` a pdf, `username`, `invoiceNumber` as the eligibility call (page payment) sent it. The " +
            "answer's envelope has no `error` key, as the seed shows it.",
          security: [{ partnerBasic: [] }],
          consumes: ["multipart/form-data"],
          body: uploadInvoiceSchema,
          response: {
            200: invoiceUploadResponseSchema,
            ...errorResponses([400, 401, 404, 406, 429, 500, 503]),
          },
        },
      },
      async (request) => {
        const { file, username, invoiceNumber } = request.body;
        const partner = partnerOf(request);
        const userId = await kredmint.userIdOf(partner, username);
        const document = await kredmint.disbursals.uploadInvoice(
          { partnerId: partner.partnerId, userId, invoiceNumber },
          file,
          partnerCaller(request),
        );
        const { error: _none, ...answer } = envelope(document, now());
        return answer;
      },
    );
  };
}

/** `GET /files/{userId}/{name}`: a document's signed, expiring `url` (no credentials, like a presigned link). */
export function documentFileRoute(app: FastifyInstance, kredmint: KredmintService): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    "/files/:userId/:name",
    {
      schema: {
        tags: ["kredmint"],
        summary: "A document's file, through the signed url the upload answered (until urlExpiryDate)",
        params: documentLinkParamsSchema,
        querystring: documentLinkQuerySchema,
        response: {
          200: z
            .unknown()
            .describe(
              "the file as uploaded (text/csv, application/json or application/pdf), as an attachment",
            ),
          ...errorResponses([400, 403, 404, 406, 500, 503]),
        },
      },
    },
    async (request, reply) => {
      const { userId, name } = request.params;
      const { expires, signature } = request.query;
      const found = await kredmint.onboarding.documentFile(`${userId}/${name}`, Number(expires), signature);
      if (found?.refused) {
        throw new KredmintRefusal(
          403,
          "signature",
          "is not valid for this file, or the link expired; upload again for a new url",
        );
      }
      if (!found) throw new KredmintRefusal(404, "path", "names no document");
      return reply
        .type(DOCUMENT_CONTENT_TYPES[found.row.format])
        .header("content-disposition", `attachment; filename="${found.row.name}"`)
        .header("cache-control", "private, no-store")
        .header("x-content-type-options", "nosniff")
        .send(found.bytes);
    },
  );
}
