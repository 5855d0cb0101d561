import { describe, expect, it } from "vitest";
import { spec } from "../testing/decider-spec.ts";
import { type SupplierCommand, supplierDecider, supplierStream } from "./supplier.decider.ts";
import type { SupplierDetails, SupplierEvent } from "./supplier.events.ts";

const supplier = spec(supplierDecider);

const details: SupplierDetails = {
  supplierId: "SUPB-1",
  supplierBankId: "BNK-1",
  partnerId: "partner-1",
  userId: "USR-1",
  supplierName: "Devratna Arya",
  mobile: "7982892274",
  email: "supplier@gmail.com",
  gstin: "GST123",
  accountHolderName: "Devratna Arya",
  accountNumber: "12345432",
  ifsc: "ICIC00000012",
  bankName: "ICICI",
  branchName: "Okhala",
};
const registered: SupplierEvent = { type: "SupplierRegistered", data: details };
const register = (d: SupplierDetails = details): SupplierCommand => ({ type: "Register", details: d });
const verify: SupplierCommand = { type: "VerifyBankAccount", reference: "penny-drop-1" };
const verified: SupplierEvent = { type: "SupplierBankAccountVerified", data: { reference: "penny-drop-1" } };

describe("supplier decider", () => {
  describe("when not registered", () => {
    it("registers the supplier, Initiated", () => {
      const step = supplier.given([]).when(register());
      step.yields([registered]);
      expect(step.state().status).toBe("Initiated");
    });
    it("a verification is refused", () => {
      supplier.given([]).when(verify).rejects("supplier_must_exist");
    });
  });

  describe("when Initiated", () => {
    it("the same request again (new numbers issued for the retry) is the supplier already made", () => {
      supplier
        .given([registered])
        .when(register({ ...details, supplierId: "SUPB-2", supplierBankId: "BNK-2" }))
        .yields([]);
    });
    it.each([
      ["name", { supplierName: "Other" }],
      ["email", { email: null }],
      ["branch", { branchName: "Saket" }],
    ])("the same bank account with another %s is refused", (_field, change) => {
      supplier
        .given([registered])
        .when(register({ ...details, ...change }))
        .rejects("supplier_details_must_match");
    });
    it("verifying the bank account makes it Verified", () => {
      const step = supplier.given([registered]).when(verify);
      step.yields([verified]);
      expect(step.state().status).toBe("Verified");
    });
  });

  describe("when Verified", () => {
    it("verifying again is a no-op", () => {
      supplier.given([registered, verified]).when(verify).yields([]);
    });
  });

  it.each<[string, SupplierEvent[], SupplierCommand]>([
    ["supplier_details_must_match", [registered], register({ ...details, supplierName: "Other" })],
    ["supplier_must_exist", [], verify],
  ])("rules in precedence order: %s", (rule, history, command) => {
    supplier.given(history).when(command).rejects(rule);
  });

  it("one stream per user and bank account", () => {
    expect(supplierStream("USR-1", "ICIC00000012", "12345432")).toBe("supplier-USR-1:ICIC00000012:12345432");
  });
});
