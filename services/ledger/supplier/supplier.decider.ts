import { type Decider, invariant, Rejection, unhandled } from "../decider.ts";
import type { SupplierDetails, SupplierEvent } from "./supplier.events.ts";

/** Every rule a supplier command can break: Register's, then VerifyBankAccount's, in precedence order. */
export type SupplierRule = "supplier_details_must_match" | "supplier_must_exist";

export type SupplierCommand =
  | { readonly type: "Register"; readonly details: SupplierDetails }
  | { readonly type: "VerifyBankAccount"; readonly reference: string };

/** `Initiated` until the bank account is verified (the seed's word for a new supplier; `Verified` is ours). */
export type SupplierStatus = "Initiated" | "Verified";

export interface SupplierState {
  readonly details: SupplierDetails | undefined;
  readonly status: SupplierStatus;
}

/** What a partner sends; the ids we issued are not compared, so a retry issuing new numbers finds the supplier. */
const sameRequest = (a: SupplierDetails, b: SupplierDetails) =>
  a.partnerId === b.partnerId &&
  a.userId === b.userId &&
  a.supplierName === b.supplierName &&
  a.mobile === b.mobile &&
  a.email === b.email &&
  a.gstin === b.gstin &&
  a.accountHolderName === b.accountHolderName &&
  a.accountNumber === b.accountNumber &&
  a.ifsc === b.ifsc &&
  a.bankName === b.bankName &&
  a.branchName === b.branchName;

/**
 * Rules, in precedence order. Register: supplier_details_must_match (the same bank account again with
 * other details is refused; with the same details it is the supplier already made, no-op). VerifyBankAccount:
 * supplier_must_exist; verifying again is a no-op.
 */
export const supplierDecider: Decider<SupplierCommand, SupplierEvent, SupplierState> = {
  initialState: { details: undefined, status: "Initiated" },
  decide(command, state) {
    switch (command.type) {
      case "Register":
        if (!state.details) return [{ type: "SupplierRegistered", data: command.details }];
        if (sameRequest(state.details, command.details)) return [];
        throw new Rejection<SupplierRule>("supplier_details_must_match", {
          supplierId: state.details.supplierId,
        });
      case "VerifyBankAccount":
        if (!state.details) throw new Rejection<SupplierRule>("supplier_must_exist");
        if (state.status === "Verified") return [];
        return [{ type: "SupplierBankAccountVerified", data: { reference: command.reference } }];
      default:
        return unhandled(command);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case "SupplierRegistered":
        invariant(state.details === undefined, "a supplier is registered once");
        return { details: event.data, status: "Initiated" };
      case "SupplierBankAccountVerified":
        invariant(state.details !== undefined, "only a registered supplier is verified");
        return { ...state, status: "Verified" };
      default:
        return unhandled(event);
    }
  },
};

export const supplierStream = (userId: string, ifsc: string, accountNumber: string) =>
  `supplier-${userId}:${ifsc}:${accountNumber}`;
