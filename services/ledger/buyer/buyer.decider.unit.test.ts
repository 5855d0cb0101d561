import { describe, expect, it } from "vitest";
import { legacyHashRef } from "../../../contracts/secret-refs.ts";
import { fold, InvariantViolation } from "../decider.ts";
import { buyerProfile, buyerRegistered, registerBuyer } from "../testing/buyer-fixtures.ts";
import { spec } from "../testing/decider-spec.ts";
import type { BuyerCommand } from "./buyer.decider.ts";
import { buyerDecider } from "./buyer.decider.ts";
import { type BuyerEvent, buyerCodec } from "./buyer.events.ts";

const buyer = spec(buyerDecider);
const registered = buyerRegistered();

describe("buyer decider", () => {
  describe("when not registered", () => {
    it("registers the buyer", () => {
      buyer.given([]).when(registerBuyer()).yields([registered]);
    });
    it("the registered profile is the state", () => {
      expect(buyer.given([]).when(registerBuyer()).state().profile).toEqual(buyerProfile);
    });
  });

  describe("a BuyerRegistered v1 in the log, which recorded scrypt hashes in the clear", () => {
    it("reads with legacy references to the hashes", () => {
      const v1 = {
        userId: "user-1",
        phone: buyerProfile.phone,
        pinHash: "scrypt$s$pin",
        otpHash: "scrypt$s$otp",
      };
      expect(buyerCodec.decode({ type: "BuyerRegistered", schemaVersion: 1, data: v1 }).data).toEqual({
        userId: "user-1",
        phone: buyerProfile.phone,
        pinRef: legacyHashRef("scrypt$s$pin"),
        otpRef: legacyHashRef("scrypt$s$otp"),
      });
    });
  });

  describe("when registered", () => {
    it("the same registration again is a no-op", () => {
      buyer.given([registered]).when(registerBuyer()).yields([]);
    });
    it("re-seeding with freshly stored secrets is a no-op: identity is the phone, not the references", () => {
      buyer
        .given([registered])
        .when(registerBuyer({ ...buyerProfile, pinRef: "bs_pin-2", otpRef: "bs_otp-2" }))
        .yields([]);
    });
    it("re-seeding keeps the first references", () => {
      const state = buyer
        .given([registered])
        .when(registerBuyer({ ...buyerProfile, pinRef: "bs_pin-2" }))
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

  describe("when registered without a PIN: the PIN link", () => {
    const issue: BuyerCommand = { type: "IssuePinLink", linkHash: "link-1", ttlSeconds: 3600 };
    const issued: BuyerEvent = {
      type: "PinLinkIssued",
      data: { linkHash: "link-1", expiresAt: "2026-11-28T03:00:00.000Z" },
    };
    const setPin = (linkHash = "link-1"): BuyerCommand => ({
      type: "SetPin",
      linkHash,
      pinRef: "pin-ref-1",
    });
    const at = { now: "2026-11-28T02:00:00.000Z" };
    it("issues a link that expires after its ttl", () => {
      buyer.given([registered]).when(issue, at).yields([issued]);
    });
    it("the PIN is set through an unspent, unexpired link", () => {
      const step = buyer.given([registered, issued]).when(setPin(), at);
      step.yields([{ type: "PinSet", data: { pinRef: "pin-ref-1", linkHash: "link-1" } }]);
      expect(step.state().pinRef).toBe("pin-ref-1");
    });
    it("a spent, expired or unknown link is refused", () => {
      const spent: BuyerEvent = { type: "PinSet", data: { pinRef: "pin-ref-1", linkHash: "link-1" } };
      buyer.given([registered, issued, spent]).when(setPin(), at).rejects("pin_link_must_be_valid");
      buyer
        .given([registered, issued])
        .when(setPin(), { now: "2026-11-28T03:00:00.000Z" })
        .rejects("pin_link_must_be_valid");
      buyer.given([registered, issued]).when(setPin("link-2"), at).rejects("pin_link_must_be_valid");
    });
  });

  describe("freezing and closing", () => {
    const frozen: BuyerEvent = { type: "BuyerFrozen", data: { reason: "fraud" } };
    const closed: BuyerEvent = { type: "BuyerClosed", data: { reason: "asked" } };
    const close = (outstandingMinor: bigint): BuyerCommand => ({
      type: "Close",
      reason: "asked",
      outstandingMinor,
    });
    it("freezes, and unfreezes; each again is a no-op", () => {
      expect(buyer.given([registered]).when({ type: "Freeze", reason: "fraud" }).state().frozen).toBe(true);
      buyer.given([registered, frozen]).when({ type: "Freeze", reason: "again" }).yields([]);
      buyer
        .given([registered, frozen])
        .when({ type: "Unfreeze", reason: "cleared" })
        .yields([{ type: "BuyerUnfrozen", data: { reason: "cleared" } }]);
      buyer.given([registered]).when({ type: "Unfreeze", reason: "x" }).yields([]);
    });
    it("closes only with nothing outstanding", () => {
      buyer.given([registered]).when(close(1n)).rejects("buyer_must_have_nothing_outstanding");
      buyer.given([registered]).when(close(0n)).yields([closed]);
      buyer.given([registered, closed]).when(close(0n)).yields([]);
    });
    it("a closed buyer gets no PIN link and is not frozen", () => {
      buyer
        .given([registered, closed])
        .when({ type: "IssuePinLink", linkHash: "l", ttlSeconds: 1 })
        .rejects("buyer_must_not_be_closed");
      buyer
        .given([registered, closed])
        .when({ type: "Freeze", reason: "x" })
        .rejects("buyer_must_not_be_closed");
    });
    it("SetPin checks its rules in precedence order", () => {
      const command: BuyerCommand = { type: "SetPin", linkHash: "nope", pinRef: "r" };
      buyer.given([]).when(command).rejects("buyer_must_exist");
      buyer.given([registered, closed]).when(command).rejects("buyer_must_not_be_closed");
      buyer.given([registered]).when(command).rejects("pin_link_must_be_valid");
    });
  });

  describe("evolve refuses an impossible history", () => {
    it("a buyer registered twice", () => {
      expect(() => fold(buyerDecider, [registered, registered])).toThrow(InvariantViolation);
    });
  });
});
