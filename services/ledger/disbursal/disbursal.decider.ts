import { type Decider, invariant, Rejection, unhandled } from "../decider.ts";
import type { DisbursalEvent, DisbursalRequest, InvoiceDocument } from "./disbursal.events.ts";

/**
 * A disbursal's status: the seed's words (Initiated, Verified, Approved, Paid, Failed, Completed, Cancelled)
 * and ours, `Requested`, for an invoice the user has not confirmed yet.
 */
export const DISBURSAL_STATUSES = [
  "Requested",
  "Initiated",
  "Verified",
  "Approved",
  "Paid",
  "Failed",
  "Cancelled",
  "Completed",
] as const;
export type DisbursalStatus = (typeof DISBURSAL_STATUSES)[number];

/** Every rule a disbursal command can break, in precedence order. */
export type DisbursalRule =
  | "amount_must_be_positive"
  | "invoice_must_match_request"
  | "disbursal_must_exist"
  | "disbursal_step_out_of_order"
  | "utr_must_match_payment";

export type DisbursalCommand =
  | { readonly type: "Request"; readonly request: DisbursalRequest }
  | { readonly type: "Confirm"; readonly autoPayAt: string | null }
  | { readonly type: "Verify" }
  | { readonly type: "Approve" }
  | { readonly type: "Pay"; readonly transactionId: string; readonly utr: string }
  | { readonly type: "Fail"; readonly reason: string }
  | { readonly type: "Cancel"; readonly reason: string }
  | { readonly type: "Complete" }
  | { readonly type: "AttachInvoice"; readonly document: InvoiceDocument };

export interface DisbursalState {
  readonly request: DisbursalRequest | undefined;
  readonly status: DisbursalStatus;
  readonly transactionId: string | null;
  readonly utr: string | null;
  readonly reason: string | null;
  readonly autoPayAt: string | null;
  readonly invoices: readonly InvoiceDocument[];
}

/** The status each move leads to, and the statuses it may start from (its own target again is a no-op). */
const MOVES = {
  Confirm: { to: "Initiated", from: ["Requested"] },
  Verify: { to: "Verified", from: ["Initiated"] },
  Approve: { to: "Approved", from: ["Verified"] },
  Pay: { to: "Paid", from: ["Approved"] },
  Fail: { to: "Failed", from: ["Initiated", "Verified", "Approved"] },
  Cancel: { to: "Cancelled", from: ["Requested", "Initiated", "Verified", "Approved"] },
  Complete: { to: "Completed", from: ["Paid"] },
} as const satisfies Record<string, { to: DisbursalStatus; from: readonly DisbursalStatus[] }>;

/** What the partner sent; the id we issued is not compared, so a retry issuing a new number finds the invoice. */
const sameRequest = (a: DisbursalRequest, b: DisbursalRequest) =>
  a.partnerId === b.partnerId &&
  a.userId === b.userId &&
  a.invoiceNumber === b.invoiceNumber &&
  a.paymentDateMs === b.paymentDateMs &&
  a.amountMinor === b.amountMinor &&
  a.invoicePdf === b.invoicePdf &&
  JSON.stringify(a.payee) === JSON.stringify(b.payee);

/**
 * Rules, in precedence order. Request: amount_must_be_positive, invoice_must_match_request (the same invoice
 * number with other details; with the same details it is a no-op). Every other command: disbursal_must_exist,
 * then disbursal_step_out_of_order (MOVES; a move to the status the disbursal is already in is a no-op), and
 * for Pay utr_must_match_payment (Paid again with another UTR). AttachInvoice: the same file again is a no-op.
 */
export const disbursalDecider: Decider<DisbursalCommand, DisbursalEvent, DisbursalState> = {
  initialState: {
    request: undefined,
    status: "Requested",
    transactionId: null,
    utr: null,
    reason: null,
    autoPayAt: null,
    invoices: [],
  },
  decide(command, state, meta) {
    if (command.type === "Request") {
      if (command.request.amountMinor <= 0n) throw new Rejection<DisbursalRule>("amount_must_be_positive");
      if (!state.request) return [{ type: "DisbursalRequested", data: command.request }];
      if (sameRequest(state.request, command.request)) return [];
      throw new Rejection<DisbursalRule>("invoice_must_match_request", {
        disbursalId: state.request.disbursalId,
      });
    }
    if (!state.request) throw new Rejection<DisbursalRule>("disbursal_must_exist");
    if (command.type === "AttachInvoice") {
      if (state.invoices.some((d) => d.sha256 === command.document.sha256)) return [];
      return [{ type: "InvoiceDocumentUploaded", data: command.document }];
    }
    const move = MOVES[command.type];
    if (state.status === move.to) {
      if (command.type === "Pay" && state.utr !== command.utr) {
        throw new Rejection<DisbursalRule>("utr_must_match_payment", { utr: state.utr });
      }
      return [];
    }
    if (!(move.from as readonly DisbursalStatus[]).includes(state.status)) {
      throw new Rejection<DisbursalRule>("disbursal_step_out_of_order", {
        status: state.status,
        to: move.to,
      });
    }
    const by = meta.actor;
    switch (command.type) {
      case "Confirm":
        return [{ type: "DisbursalInitiated", data: { confirmedBy: by, autoPayAt: command.autoPayAt } }];
      case "Verify":
        return [{ type: "DisbursalVerified", data: { by } }];
      case "Approve":
        return [{ type: "DisbursalApproved", data: { by } }];
      case "Pay": {
        const { transactionId, utr } = command;
        const { userId, amountMinor, payee, paymentDateMs } = state.request;
        return [
          {
            type: "DisbursalPaid",
            data: { transactionId, utr, paidAt: meta.now, by, userId, amountMinor, payee, paymentDateMs },
          },
        ];
      }
      case "Fail":
        return [{ type: "DisbursalFailed", data: { reason: command.reason, by } }];
      case "Cancel":
        return [{ type: "DisbursalCancelled", data: { reason: command.reason, by } }];
      case "Complete":
        return [{ type: "DisbursalCompleted", data: { repaidAt: meta.now } }];
      default:
        return unhandled(command);
    }
  },
  evolve(state, event) {
    if (event.type !== "DisbursalRequested") {
      invariant(state.request !== undefined, `${event.type} follows DisbursalRequested`);
    }
    switch (event.type) {
      case "DisbursalRequested":
        invariant(state.request === undefined, "a disbursal is requested once");
        return { ...state, request: event.data };
      case "DisbursalInitiated":
        return { ...state, status: "Initiated", autoPayAt: event.data.autoPayAt };
      case "DisbursalVerified":
        return { ...state, status: "Verified" };
      case "DisbursalApproved":
        return { ...state, status: "Approved" };
      case "DisbursalPaid":
        return { ...state, status: "Paid", transactionId: event.data.transactionId, utr: event.data.utr };
      case "DisbursalFailed":
        return { ...state, status: "Failed", reason: event.data.reason };
      case "DisbursalCancelled":
        return { ...state, status: "Cancelled", reason: event.data.reason };
      case "DisbursalCompleted":
        return { ...state, status: "Completed" };
      case "InvoiceDocumentUploaded":
        return { ...state, invoices: [...state.invoices, event.data] };
      default:
        return unhandled(event);
    }
  },
};

export const disbursalStream = (userId: string, invoiceNumber: string) =>
  `disbursal-${userId}:${invoiceNumber}`;
