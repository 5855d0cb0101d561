import { describe, expect, it } from "vitest";
import { fold, InvariantViolation } from "../decider.ts";
import { spec } from "../testing/decider-spec.ts";
import { buyerDecider } from "./buyer.decider.ts";
import type { BuyerEvent, BuyerProfile } from "./buyer.events.ts";

const buyer = spec(buyerDecider);

const profile: BuyerProfile = {
  userId: "user-1",
  phone: "+84-912345678",
  pinHash: "scrypt$salt-1$pin",
  otpHash: "scrypt$salt-1$otp",
};
const registered: BuyerEvent = { type: "BuyerRegistered", data: profile };

describe("buyer decider", () => {
  describe("when not registered", () => {
    it("registers the buyer", () => {
      buyer.given([]).when({ type: "Register", profile }).yields([registered]);
    });
    it("the registered profile is the state", () => {
      expect(buyer.given([]).when({ type: "Register", profile }).state()).toEqual({ profile });
    });
  });

  describe("when registered", () => {
    it("the same registration again is a no-op", () => {
      buyer.given([registered]).when({ type: "Register", profile }).yields([]);
    });
    it("re-seeding with freshly salted hashes is a no-op: identity is the phone, not the hashes", () => {
      buyer
        .given([registered])
        .when({
          type: "Register",
          profile: { ...profile, pinHash: "scrypt$salt-2$pin", otpHash: "scrypt$salt-2$otp" },
        })
        .yields([]);
    });
    it("re-seeding keeps the first hashes", () => {
      const state = buyer
        .given([registered])
        .when({ type: "Register", profile: { ...profile, pinHash: "scrypt$salt-2$pin" } })
        .state();
      expect(state.profile).toEqual(profile);
    });
    it("a registration with another phone is refused", () => {
      buyer
        .given([registered])
        .when({ type: "Register", profile: { ...profile, phone: "+84-987654321" } })
        .rejects("buyer_must_not_be_registered_twice");
    });
  });

  describe("evolve refuses an impossible history", () => {
    it("a buyer registered twice", () => {
      expect(() => fold(buyerDecider, [registered, registered])).toThrow(InvariantViolation);
    });
  });
});
