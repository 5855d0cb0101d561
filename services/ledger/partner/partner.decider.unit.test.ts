import { describe, expect, it } from "vitest";
import { legacySha256Ref } from "../../../contracts/secret-refs.ts";
import { spec } from "../testing/decider-spec.ts";
import { type PartnerCommand, partnerDecider } from "./partner.decider.ts";
import { type PartnerEvent, type PartnerProfile, partnerCodec } from "./partner.events.ts";

const partner = spec(partnerDecider);

const profile: PartnerProfile = {
  partnerId: "partner-1",
  name: "Partner One",
  secretRef: "cr_secret-1",
  clientTokenRef: "cr_token-1",
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
      partner.given([]).when({ type: "RotateSecret", secretRef: "x" }).rejects("partner_must_exist");
    });
    it("a client token rotation is refused", () => {
      partner
        .given([])
        .when({ type: "RotateClientToken", clientTokenRef: "x" })
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
        .when(register({ ...profile, secretRef: "other" }))
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
      const step = partner.given([registered]).when({ type: "RotateSecret", secretRef: "cr_secret-2" });
      step.yields([{ type: "PartnerSecretRotated", data: { secretRef: "cr_secret-2" } }]);
      expect(step.state().profile?.secretRef).toBe("cr_secret-2");
      partner.given([registered]).when({ type: "RotateSecret", secretRef: "cr_secret-1" }).yields([]);
    });
    it("rotating the client token records the new hash", () => {
      partner
        .given([registered])
        .when({ type: "RotateClientToken", clientTokenRef: "cr_token-2" })
        .yields([{ type: "PartnerClientTokenRotated", data: { clientTokenRef: "cr_token-2" } }]);
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

  describe("old events in the log, which recorded SHA-256 hashes in the clear", () => {
    const decode = (type: string, data: unknown) =>
      partnerCodec.decode({ type, schemaVersion: 1, data }).data;
    it("a PartnerRegistered v1 reads with legacy references to the secret's and the client token's hash", () => {
      const { secretRef: _, clientTokenRef: __, ...rest } = profile;
      expect(decode("PartnerRegistered", { ...rest, secretHash: "ab", clientTokenHash: "cd" })).toEqual({
        ...rest,
        secretRef: legacySha256Ref("ab"),
        clientTokenRef: legacySha256Ref("cd"),
      });
    });
    it("rotations v1 read with legacy references", () => {
      expect(decode("PartnerSecretRotated", { secretHash: "ef" })).toEqual({
        secretRef: legacySha256Ref("ef"),
      });
      expect(decode("PartnerClientTokenRotated", { clientTokenHash: "01" })).toEqual({
        clientTokenRef: legacySha256Ref("01"),
      });
    });
  });
});
