import { describe, expect, it } from "vitest";
import { spec, testMeta } from "../testing/decider-spec.ts";
import { type DisbursalCommand, disbursalDecider, disbursalStream } from "./disbursal.decider.ts";
import type { DisbursalEvent, DisbursalRequest, InvoiceDocument } from "./disbursal.events.ts";

const disbursal = spec(disbursalDecider);
const by = testMeta.actor;

const request: DisbursalRequest = {
  disbursalId: "IN-787",
  partnerId: "partner-1",
  userId: "USR-1",
  username: "9599170579",
  invoiceNumber: "543354123253",
  paymentDateMs: 1716864267785,
  amountMinor: 100_000n,
  invoicePdf: "https://example.com/invoice.pdf",
  payee: { kind: "supplier", supplierId: "SUPB-270" },
};
const pdf: InvoiceDocument = {
  documentId: "UDOC-1",
  partnerId: "partner-1",
  userId: "USR-1",
  name: "invoice.pdf",
  relativeUrl: "USR-1/abcdef-invoice.pdf",
  sha256: "a".repeat(64),
  sizeBytes: 10,
  uploadedBy: "partner:partner-1",
};

const cmd = {
  request: (r: DisbursalRequest = request): DisbursalCommand => ({ type: "Request", request: r }),
  confirm: { type: "Confirm", autoPayAt: null } as DisbursalCommand,
  verify: { type: "Verify" } as DisbursalCommand,
  approve: { type: "Approve" } as DisbursalCommand,
  pay: (utr = "UTR1"): DisbursalCommand => ({ type: "Pay", transactionId: "TXN1", utr }),
  fail: { type: "Fail", reason: "invalid amount or date provided" } as DisbursalCommand,
  cancel: { type: "Cancel", reason: "the partner withdrew the invoice" } as DisbursalCommand,
  complete: { type: "Complete" } as DisbursalCommand,
  attach: { type: "AttachInvoice", document: pdf } as DisbursalCommand,
};
const ev = {
  requested: { type: "DisbursalRequested", data: request } as DisbursalEvent,
  initiated: { type: "DisbursalInitiated", data: { confirmedBy: by, autoPayAt: null } } as DisbursalEvent,
  verified: { type: "DisbursalVerified", data: { by } } as DisbursalEvent,
  approved: { type: "DisbursalApproved", data: { by } } as DisbursalEvent,
  paid: {
    type: "DisbursalPaid",
    data: {
      transactionId: "TXN1",
      utr: "UTR1",
      paidAt: testMeta.now,
      by,
      userId: request.userId,
      amountMinor: request.amountMinor,
      payee: request.payee,
      paymentDateMs: request.paymentDateMs,
    },
  } as DisbursalEvent,
  failed: {
    type: "DisbursalFailed",
    data: { reason: "invalid amount or date provided", by },
  } as DisbursalEvent,
  cancelled: {
    type: "DisbursalCancelled",
    data: { reason: "the partner withdrew the invoice", by },
  } as DisbursalEvent,
  completed: { type: "DisbursalCompleted", data: { repaidAt: testMeta.now } } as DisbursalEvent,
  attached: { type: "InvoiceDocumentUploaded", data: pdf } as DisbursalEvent,
};

const requested = [ev.requested];
const initiated = [...requested, ev.initiated];
const verified = [...initiated, ev.verified];
const approved = [...verified, ev.approved];
const paid = [...approved, ev.paid];

describe("disbursal decider", () => {
  describe("when nothing is requested", () => {
    it("records the invoice as Requested", () => {
      const step = disbursal.given([]).when(cmd.request());
      step.yields([ev.requested]);
      expect(step.state().status).toBe("Requested");
    });
    it("a zero amount is refused", () => {
      disbursal
        .given([])
        .when(cmd.request({ ...request, amountMinor: 0n }))
        .rejects("amount_must_be_positive");
    });
    it.each([cmd.confirm, cmd.verify, cmd.attach])("$type is refused", (command) => {
      disbursal.given([]).when(command).rejects("disbursal_must_exist");
    });
  });

  describe("when requested", () => {
    it("the same request again (a new number issued for the retry) is a no-op", () => {
      disbursal
        .given(requested)
        .when(cmd.request({ ...request, disbursalId: "IN-788" }))
        .yields([]);
    });
    it.each([
      ["amount", { amountMinor: 100_001n }],
      ["payment date", { paymentDateMs: 1 }],
      ["payee", { payee: { kind: "partner" as const, partnerId: "partner-1" } }],
    ])("the same invoice number with another %s is refused", (_what, change) => {
      disbursal
        .given(requested)
        .when(cmd.request({ ...request, ...change }))
        .rejects("invoice_must_match_request");
    });
    it("the user's confirmation initiates it", () => {
      const step = disbursal.given(requested).when(cmd.confirm);
      step.yields([ev.initiated]);
      expect(step.state().status).toBe("Initiated");
    });
    it("it can be cancelled before the user confirms", () => {
      disbursal.given(requested).when(cmd.cancel).yields([ev.cancelled]);
    });
    it.each([cmd.verify, cmd.pay(), cmd.fail])("$type is out of order", (command) => {
      disbursal.given(requested).when(command).rejects("disbursal_step_out_of_order");
    });
  });

  describe("when initiated", () => {
    it("confirming again is a no-op", () => {
      disbursal.given(initiated).when(cmd.confirm).yields([]);
    });
    it("moves to Verified, then Approved, then Paid with the transaction id and UTR", () => {
      disbursal.given(initiated).when(cmd.verify).yields([ev.verified]);
      disbursal.given(verified).when(cmd.approve).yields([ev.approved]);
      const step = disbursal.given(approved).when(cmd.pay());
      step.yields([ev.paid]);
      expect(step.state()).toMatchObject({ status: "Paid", transactionId: "TXN1", utr: "UTR1" });
    });
    it.each([
      ["initiated", initiated],
      ["verified", verified],
      ["approved", approved],
    ])("fails from %s, with the reason", (_status, history) => {
      const step = disbursal.given(history).when(cmd.fail);
      step.yields([ev.failed]);
      expect(step.state()).toMatchObject({ status: "Failed", reason: "invalid amount or date provided" });
    });
    it("cannot be paid before it is approved", () => {
      disbursal.given(initiated).when(cmd.pay()).rejects("disbursal_step_out_of_order");
    });
  });

  describe("when paid", () => {
    it("paying again with the same UTR is a no-op, with another is refused", () => {
      disbursal.given(paid).when(cmd.pay()).yields([]);
      disbursal.given(paid).when(cmd.pay("UTR2")).rejects("utr_must_match_payment");
    });
    it.each([cmd.fail, cmd.cancel])("$type is out of order", (command) => {
      disbursal.given(paid).when(command).rejects("disbursal_step_out_of_order");
    });
    it("repaid in full it is Completed, once", () => {
      disbursal.given(paid).when(cmd.complete).yields([ev.completed]);
      disbursal
        .given([...paid, ev.completed])
        .when(cmd.complete)
        .yields([]);
    });
    it("the invoice's pdf is attached, the same file again is a no-op", () => {
      disbursal.given(paid).when(cmd.attach).yields([ev.attached]);
      disbursal
        .given([...paid, ev.attached])
        .when(cmd.attach)
        .yields([]);
    });
  });

  describe("when failed or cancelled", () => {
    it("the same move again is a no-op, any other is out of order", () => {
      disbursal
        .given([...initiated, ev.failed])
        .when(cmd.fail)
        .yields([]);
      disbursal
        .given([...initiated, ev.cancelled])
        .when(cmd.verify)
        .rejects("disbursal_step_out_of_order");
    });
  });

  it.each<[string, DisbursalEvent[], DisbursalCommand]>([
    ["amount_must_be_positive", requested, cmd.request({ ...request, amountMinor: -1n, invoicePdf: null })],
    ["invoice_must_match_request", requested, cmd.request({ ...request, invoicePdf: null })],
    ["disbursal_must_exist", [], cmd.pay("UTR2")],
    ["disbursal_step_out_of_order", initiated, cmd.pay("UTR2")],
    ["utr_must_match_payment", paid, cmd.pay("UTR2")],
  ])("rules in precedence order: %s", (rule, history, command) => {
    disbursal.given(history).when(command).rejects(rule);
  });

  it("one stream per user and invoice number", () => {
    expect(disbursalStream("USR-1", "543354123253")).toBe("disbursal-USR-1:543354123253");
  });
});
