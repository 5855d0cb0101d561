import { describe, expect, it } from "vitest";
import { fold, InvariantViolation } from "../decider.ts";
import { spec } from "../testing/decider-spec.ts";
import { merchantDecider } from "./merchant.decider.ts";
import type { MerchantEvent, MerchantProfile } from "./merchant.events.ts";

const merchant = spec(merchantDecider);

const profile: MerchantProfile = {
  merchantId: "merchant-1",
  name: "Sunrise",
  serverKeyHash: "sha256-key-1",
  feeRateBps: 150,
  status: "active",
};
const registered: MerchantEvent = { type: "MerchantRegistered", data: profile };
const rotated = (serverKeyHash: string): MerchantEvent => ({
  type: "ServerKeyRotated",
  data: { serverKeyHash },
});

describe("merchant decider", () => {
  describe("when not registered", () => {
    it("registers the merchant", () => {
      merchant.given([]).when({ type: "Register", profile }).yields([registered]);
    });
    it("a key rotation is rejected", () => {
      merchant
        .given([])
        .when({ type: "RotateServerKey", serverKeyHash: "sha256-key-2" })
        .rejects("merchant_must_exist");
    });
  });

  describe("when registered", () => {
    it("the same registration again (seeding at every start) is a no-op", () => {
      merchant.given([registered]).when({ type: "Register", profile }).yields([]);
    });
    it.each([
      ["name", { name: "Sunshine" }],
      ["fee rate", { feeRateBps: 200 }],
      ["status", { status: "suspended" as const }],
    ])("a registration with a different %s is refused", (_field, change) => {
      merchant
        .given([registered])
        .when({ type: "Register", profile: { ...profile, ...change } })
        .rejects("merchant_must_not_be_registered_twice");
    });
    it("a registration differing only in its server key is a no-op: keys change by rotation", () => {
      merchant
        .given([registered])
        .when({ type: "Register", profile: { ...profile, serverKeyHash: "sha256-other" } })
        .yields([]);
    });
    it("rotating the server key records the new hash", () => {
      const step = merchant
        .given([registered])
        .when({ type: "RotateServerKey", serverKeyHash: "sha256-key-2" });
      step.yields([rotated("sha256-key-2")]);
      expect(step.state().profile).toEqual({ ...profile, serverKeyHash: "sha256-key-2" });
    });
    it("rotating to the key it already has is a no-op", () => {
      merchant
        .given([registered])
        .when({ type: "RotateServerKey", serverKeyHash: "sha256-key-1" })
        .yields([]);
    });
    // Registrations are compared field by field, not by their JSON text, whose key order can differ.
    it("the same registration with its keys in another order is a no-op", () => {
      const reordered: MerchantProfile = {
        status: "active",
        feeRateBps: 150,
        serverKeyHash: "sha256-key-1",
        name: "Sunrise",
        merchantId: "merchant-1",
      };
      merchant.given([registered]).when({ type: "Register", profile: reordered }).yields([]);
    });
  });

  describe("when the server key was rotated", () => {
    const afterRotation = [registered, rotated("sha256-key-2")];
    it("rotating again to the current key is a no-op", () => {
      merchant
        .given(afterRotation)
        .when({ type: "RotateServerKey", serverKeyHash: "sha256-key-2" })
        .yields([]);
    });
    it("rotating back to the old key is a rotation", () => {
      merchant
        .given(afterRotation)
        .when({ type: "RotateServerKey", serverKeyHash: "sha256-key-1" })
        .yields([rotated("sha256-key-1")]);
    });
    // Seeding re-sends the original registration at every start; after a rotation it must stay a no-op.
    it("the original registration re-sent by seeding is still a no-op", () => {
      merchant.given(afterRotation).when({ type: "Register", profile }).yields([]);
    });
  });

  describe("evolve refuses an impossible history", () => {
    it("a merchant registered twice", () => {
      expect(() => fold(merchantDecider, [registered, registered])).toThrow(InvariantViolation);
    });
    it("a key rotated before registration", () => {
      expect(() => fold(merchantDecider, [rotated("sha256-key-2")])).toThrow(InvariantViolation);
    });
  });
});
