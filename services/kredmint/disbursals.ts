import type { UploadedFile } from "../../contracts/kredmint/document.ts";
import type { InvoiceDocumentPayload } from "../../contracts/kredmint/invoice.ts";
import { creditLineDecider } from "../ledger/creditline/creditline.decider.ts";
import { creditLineCodec } from "../ledger/creditline/creditline.events.ts";
import { creditLineStream } from "../ledger/creditline/creditline.stream.ts";
import { type Caller, type CommandMeta, Rejection } from "../ledger/decider.ts";
import {
  type DisbursalCommand,
  type DisbursalRule,
  type DisbursalState,
  disbursalDecider,
  disbursalStream,
} from "../ledger/disbursal/disbursal.decider.ts";
import { type DisbursalRequest, disbursalCodec } from "../ledger/disbursal/disbursal.events.ts";
import type { BlobStore } from "../platform/blobstore/port.ts";
import { commandHandler } from "../platform/command-handler.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import { documentLinks } from "./document-link.ts";
import { documentName } from "./file-type.ts";
import { dueForAutoPay, findDisbursal } from "./read-models/disbursals.ts";
import { KredmintRefusal } from "./refusal.ts";

export interface DisbursalOptions {
  readonly store: EventStore;
  readonly readStore: ReadStore;
  readonly blobs: BlobStore;
  readonly now: () => Date;
  readonly metaOf: (caller: Caller) => CommandMeta;
  readonly wait: (position: string | undefined) => Promise<void>;
  readonly issue: (prefix: string, meta: CommandMeta) => Promise<string>;
  /** SANDBOX_AUTO_PROGRESS_SECONDS: the sandbox partner's disbursals move to Paid this long after Initiated. */
  readonly autoProgressSeconds: number | undefined;
  readonly sandboxPartnerId: string | undefined;
  readonly publicBaseUrl: () => string;
  readonly linkSecret: string;
}

/** What the partner's eligibility call (page `payment`) says of the invoice. */
export type InvoiceRequest = Omit<DisbursalRequest, "disbursalId">;

/** An operator's move on a disbursal (or the sandbox timer's). */
export type DisbursalMove =
  | { readonly type: "Verify" }
  | { readonly type: "Approve" }
  | { readonly type: "Pay"; readonly utr: string; readonly transactionId?: string | undefined }
  | { readonly type: "Fail"; readonly reason: string }
  | { readonly type: "Cancel"; readonly reason: string };

const USER_LINE = (userId: string) => creditLineStream({ product: "kredmint", currency: "INR", userId });

/** The transaction id of a payout when the operator names none: derived, so a retried Pay is the same. */
export const transactionIdOf = (disbursalId: string) => `TXN-${disbursalId}`;

/**
 * Invoice pay by credit: the invoice the partner names (Requested), the user's confirmation (Initiated, credit
 * held), the operator's moves (Verified, Approved, Paid capturing the hold into a drawdown, Failed or Cancelled
 * releasing it), Completed once repaid, and the invoice's pdf. Every move touching credit goes through the
 * credit line first, then the disbursal, each idempotent by the disbursal id, so a retry after a crash
 * finishes the job and never holds, captures or releases twice (DESIGN.md "Events").
 */
export function disbursalUseCases(options: DisbursalOptions) {
  const { readStore, now, metaOf, wait } = options;
  const disbursals = commandHandler(options.store, disbursalDecider, disbursalCodec);
  const creditLines = commandHandler(options.store, creditLineDecider, creditLineCodec);
  const links = documentLinks(options.linkSecret);

  /** The decider's verdict without appending: a move that would be refused never touches the credit line. */
  const check = (state: DisbursalState, command: DisbursalCommand, meta: CommandMeta) =>
    disbursalDecider.decide(command, state, meta);

  async function releaseHold(state: DisbursalState, reason: string, meta: CommandMeta) {
    const request = state.request;
    if (!request) return;
    try {
      await creditLines.handle(
        USER_LINE(request.userId),
        { type: "ReleaseHold", transactionId: request.disbursalId, reason },
        meta,
      );
    } catch (error) {
      // Cancelled before the user confirmed: there is no hold to release.
      if (!(error instanceof Rejection && error.rule === "hold_must_exist")) throw error;
    }
  }

  async function apply(streamId: string, move: DisbursalMove, caller: Caller): Promise<DisbursalState> {
    const meta = metaOf(caller);
    const { state } = await disbursals.load(streamId);
    const request = state.request;
    const command: DisbursalCommand =
      move.type === "Pay"
        ? {
            type: "Pay",
            utr: move.utr,
            transactionId: move.transactionId ?? transactionIdOf(request?.disbursalId ?? ""),
          }
        : move;
    const changes = check(state, command, meta);
    if (changes.length > 0 && request) {
      if (command.type === "Pay") {
        await creditLines.handle(
          USER_LINE(request.userId),
          {
            type: "CaptureHold",
            transactionId: request.disbursalId,
            terms: { kind: "drawdown", openedAt: meta.now },
          },
          meta,
        );
      } else if (command.type === "Fail" || command.type === "Cancel") {
        await releaseHold(state, command.reason, meta);
      }
    }
    const handled = await disbursals.handle(streamId, command, meta);
    await wait(handled.position);
    return handled.state;
  }

  return {
    /** The invoice of a user, as its stream has it (read-your-writes). */
    async find(userId: string, invoiceNumber: string): Promise<DisbursalState> {
      return (await disbursals.load(disbursalStream(userId, invoiceNumber))).state;
    },

    /**
     * Records the invoice the partner names (`IN-<n>`, Requested). The same request again is the invoice
     * already recorded; the same invoice number with other details is a 400.
     */
    async request(invoice: InvoiceRequest, caller: Caller): Promise<DisbursalState> {
      const meta = metaOf(caller);
      const streamId = disbursalStream(invoice.userId, invoice.invoiceNumber);
      const { state } = await disbursals.load(streamId);
      const disbursalId = state.request?.disbursalId ?? (await options.issue("IN-", meta));
      try {
        const handled = await disbursals.handle(
          streamId,
          { type: "Request", request: { ...invoice, disbursalId } },
          meta,
        );
        await wait(handled.position);
        return handled.state;
      } catch (error) {
        const rule: DisbursalRule | undefined = error instanceof Rejection ? error.rule : undefined;
        if (rule === "amount_must_be_positive") {
          throw new KredmintRefusal(400, "amount", "must be above 0; send the invoice amount, e.g. 1000.0");
        }
        if (rule === "invoice_must_match_request") {
          throw new KredmintRefusal(
            400,
            "invoiceNumber",
            `${invoice.invoiceNumber} is already invoice ${disbursalId} of this user with other details; send the same details again, or another invoice number`,
          );
        }
        throw error;
      }
    },

    /**
     * The user confirmed the invoice on the landing page (after the OTP): the amount is held on the user's
     * credit line (refused when the user is not Active or the amount is above what is available), then the
     * disbursal is Initiated. Confirming again changes nothing.
     */
    async confirm(userId: string, invoiceNumber: string, partnerId: string, caller: Caller) {
      const meta = metaOf(caller);
      const streamId = disbursalStream(userId, invoiceNumber);
      const { state } = await disbursals.load(streamId);
      const request = state.request;
      if (!request) throw new KredmintRefusal(404, "invoiceNumber", "names no invoice of this user");
      const autoPayAt =
        options.autoProgressSeconds !== undefined && partnerId === options.sandboxPartnerId
          ? new Date(now().getTime() + options.autoProgressSeconds * 1000).toISOString()
          : null;
      const command: DisbursalCommand = { type: "Confirm", autoPayAt };
      if (check(state, command, meta).length === 0) return state;
      await creditLines.handle(
        USER_LINE(userId),
        {
          type: "PlaceHold",
          transactionId: request.disbursalId,
          amountMinor: request.amountMinor,
          tenure: undefined,
        },
        meta,
      );
      const handled = await disbursals.handle(streamId, command, meta);
      await wait(handled.position);
      return handled.state;
    },

    /** A partner's disbursal by its IN-<n> id (never another partner's). */
    async get(partnerId: string, disbursalId: string): Promise<DisbursalState | undefined> {
      const row = await findDisbursal(readStore, disbursalId, partnerId);
      return row ? (await disbursals.load(row.streamId)).state : undefined;
    },

    /** An operator's move on a partner's disbursal; undefined when the partner has no such disbursal. */
    async move(partnerId: string, disbursalId: string, move: DisbursalMove, caller: Caller) {
      const row = await findDisbursal(readStore, disbursalId, partnerId);
      if (!row) return undefined;
      return apply(row.streamId, move, caller);
    },

    /**
     * The sandbox's durable timer: every sandbox disbursal whose `autoPayAt` (in the log, indexed by the read
     * model) has passed walks Verified → Approved → Paid with a UTR derived from its id, so a sweep repeated
     * after a crash pays it the same way.
     */
    async sweepAutoPay(caller: Caller): Promise<number> {
      const due = await dueForAutoPay(readStore, now().toISOString());
      for (const row of due) {
        const steps: DisbursalMove[] = [
          { type: "Verify" },
          { type: "Approve" },
          { type: "Pay", utr: `SANDBOXUTR${row.disbursalId.replace(/\D/g, "").padStart(8, "0")}` },
        ];
        const { state } = await disbursals.load(row.streamId);
        const from = ["Initiated", "Verified", "Approved"].indexOf(state.status);
        if (from === -1) continue;
        for (const step of steps.slice(from)) await apply(row.streamId, step, caller);
      }
      return due.length;
    },

    /**
     * `POST /account/invoice/upload`: the invoice's pdf, after the disbursal, matched to its invoice number
     * (`UDOC-<n>`; the same file again answers the same document).
     */
    async uploadInvoice(
      target: { partnerId: string; userId: string; invoiceNumber: string },
      file: UploadedFile,
      caller: Caller,
    ): Promise<InvoiceDocumentPayload> {
      const streamId = disbursalStream(target.userId, target.invoiceNumber);
      const { state } = await disbursals.load(streamId);
      if (!state.request || state.request.partnerId !== target.partnerId) {
        throw new KredmintRefusal(
          404,
          "invoiceNumber",
          `${target.invoiceNumber} is no invoice of this user; send the invoiceNumber of its eligibility call (page payment)`,
        );
      }
      if (!isPdf(file))
        throw new KredmintRefusal(400, "file", "must be a pdf; send the invoice as a .pdf file");
      const meta = metaOf(caller);
      const stored = await options.blobs.put(file.bytes);
      const known = state.invoices.find((d) => d.sha256 === stored.sha256);
      const name = documentName(file.filename);
      const tag = Buffer.from(stored.sha256, "hex").toString("base64url").slice(0, 6);
      const document = known ?? {
        documentId: await options.issue("UDOC-", meta),
        partnerId: target.partnerId,
        userId: target.userId,
        name,
        relativeUrl: `${target.userId}/${tag}-${name}`,
        sha256: stored.sha256,
        sizeBytes: stored.sizeBytes,
        uploadedBy: meta.actor,
      };
      const handled = await disbursals.handle(streamId, { type: "AttachInvoice", document }, meta);
      await wait(handled.position);
      const signed = links.url(options.publicBaseUrl(), document.relativeUrl, now().getTime());
      return {
        id: document.documentId,
        url: signed.url,
        userId: target.userId,
        name: document.name,
        relativeUrl: document.relativeUrl,
        documentType: "INVOICE",
        urlExpiryDate: signed.urlExpiryDate,
      };
    },
  };
}

export type Disbursals = ReturnType<typeof disbursalUseCases>;

/** A pdf by its magic bytes (`%PDF-`): the name and media type a client sends say nothing reliable. */
const isPdf = (file: UploadedFile) => file.bytes.subarray(0, 5).toString("latin1") === "%PDF-";
