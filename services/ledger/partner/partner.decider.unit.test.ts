import { describe, expect, it } from "vitest";
import { spec } from "../testing/decider-spec.ts";
import { type PartnerCommand, partnerDecider } from "./partner.decider.ts";
import type { PartnerEvent, PartnerProfile } from "./partner.events.ts";

const partner = spec(partnerDecider);

const profile: PartnerProfile = {
  partnerId: "partner-1",
  name: "Partner One",
  secretHash: "sha256-secret-1",
  clientTokenHash: "sha256-token-1",
  allowedSources: ["MOS", "BNPL", "BIZOM"],
  webhookUrl: "https://partner.example/webhooks",
};
const registered: PartnerEvent = { type: "PartnerRegistered", data: profile };
const register = (p: PartnerProfile = profile): PartnerCommand => ({ type: "Register", profile: p });

describe("partner decider", () => {
  describe("when not registered", () => {
    it("registers the partner", () => {
      partner.given([]).when(register()).yields([registered]);
    });
    it("a secret rotation is refused", () => {
      partner.given([]).when({ type: "RotateSecret", secretHash: "x" }).rejects("partner_must_exist");
    });
    it("a client token rotation is refused", () => {
      partner
        .given([])
        .when({ type: "RotateClientToken", clientTokenHash: "x" })
        .rejects("partner_must_exist");
    });
  });

  describe("when registered", () => {
    it("the same registration again (the sandbox seeded at every start) is a no-op", () => {
      partner.given([registered]).when(register()).yields([]);
    });
    it("the same registration with another secret is a no-op: secrets change by rotation", () => {
      partner
        .given([registered])
        .when(register({ ...profile, secretHash: "other" }))
        .yields([]);
    });
    it.each([
      ["name", { name: "Other" }],
      ["webhook URL", { webhookUrl: null }],
      ["sources", { allowedSources: ["MOS"] }],
    ])("a registration with a different %s is refused", (_field, change) => {
      partner
        .given([registered])
        .when(register({ ...profile, ...change }))
        .rejects("partner_must_not_be_registered_twice");
    });
    it("rotating the secret records the new hash; the same hash is a no-op", () => {
      const step = partner.given([registered]).when({ type: "RotateSecret", secretHash: "sha256-secret-2" });
      step.yields([{ type: "PartnerSecretRotated", data: { secretHash: "sha256-secret-2" } }]);
      expect(step.state().profile?.secretHash).toBe("sha256-secret-2");
      partner.given([registered]).when({ type: "RotateSecret", secretHash: "sha256-secret-1" }).yields([]);
    });
    it("rotating the client token records the new hash", () => {
      partner
        .given([registered])
        .when({ type: "RotateClientToken", clientTokenHash: "sha256-token-2" })
        .yields([{ type: "PartnerClientTokenRotated", data: { clientTokenHash: "sha256-token-2" } }]);
    });
  });

  // One command breaking every rule at once is refused by the first; fixing it exposes the next.
  it.each<[string, PartnerEvent[], PartnerCommand]>([
    [
      "partner_sources_must_not_be_empty",
      [registered],
      register({ ...profile, allowedSources: [], name: "x" }),
    ],
    ["partner_must_not_be_registered_twice", [registered], register({ ...profile, name: "x" })],
  ])("Register's rules in precedence order: %s", (rule, history, command) => {
    partner.given(history).when(command).rejects(rule);
  });
});
