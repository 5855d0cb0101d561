import { describe, expect, it } from "vitest";
import { fold, InvariantViolation } from "../decider.ts";
import { buyerProfile, buyerRegistered, registerBuyer } from "../testing/buyer-fixtures.ts";
import { spec } from "../testing/decider-spec.ts";
import { buyerDecider } from "./buyer.decider.ts";

const buyer = spec(buyerDecider);
const registered = buyerRegistered();

describe("buyer decider", () => {
  describe("when not registered", () => {
    it("registers the buyer", () => {
      buyer.given([]).when(registerBuyer()).yields([registered]);
    });
    it("the registered profile is the state", () => {
      expect(buyer.given([]).when(registerBuyer()).state()).toEqual({ profile: buyerProfile });
    });
  });

  describe("when registered", () => {
    it("the same registration again is a no-op", () => {
      buyer.given([registered]).when(registerBuyer()).yields([]);
    });
    it("re-seeding with freshly salted hashes is a no-op: identity is the phone, not the hashes", () => {
      buyer
        .given([registered])
        .when(registerBuyer({ ...buyerProfile, pinHash: "scrypt$salt-2$pin", otpHash: "scrypt$salt-2$otp" }))
        .yields([]);
    });
    it("re-seeding keeps the first hashes", () => {
      const state = buyer
        .given([registered])
        .when(registerBuyer({ ...buyerProfile, pinHash: "scrypt$salt-2$pin" }))
        .state();
      expect(state.profile).toEqual(buyerProfile);
    });
    it("a registration with another phone is refused", () => {
      buyer
        .given([registered])
        .when(registerBuyer({ ...buyerProfile, phone: "+84-987654321" }))
        .rejects("buyer_must_not_be_registered_twice");
    });
  });

  describe("evolve refuses an impossible history", () => {
    it("a buyer registered twice", () => {
      expect(() => fold(buyerDecider, [registered, registered])).toThrow(InvariantViolation);
    });
  });
});
