import { describe, expect, it } from "vitest";
import { spec } from "../testing/decider-spec.ts";
import { type PartnerUserCommand, partnerUserDecider, partnerUserStream } from "./partneruser.decider.ts";
import type { PartnerUserEvent, PartnerUserIdentity } from "./partneruser.events.ts";

const user = spec(partnerUserDecider);

const identity: PartnerUserIdentity = {
  userId: "USR-1",
  partnerId: "partner-1",
  mobile: "9887206895",
  source: "MOS",
};
const created: PartnerUserEvent = { type: "PartnerUserCreated", data: identity };
const give = (prefill: Record<string, string>): PartnerUserCommand => ({ type: "GiveContext", prefill });
const given = (prefill: Record<string, string>): PartnerUserEvent => ({
  type: "UserContextGiven",
  data: { prefill },
});

describe("partner user decider", () => {
  describe("when not created", () => {
    it("creates the user, whose profile is incomplete", () => {
      const step = user.given([]).when({ type: "Create", identity });
      step.yields([created]);
      expect(step.state().state).toBe("IncompleteProfile");
    });
    it("a prefill is refused", () => {
      user
        .given([])
        .when(give({ fullName: "A" }))
        .rejects("user_must_exist");
    });
  });

  describe("when the profile is incomplete", () => {
    it("creating it again (another eligibility call, or a racing one with another number) is a no-op", () => {
      user
        .given([created])
        .when({ type: "Create", identity: { ...identity, userId: "USR-2" } })
        .yields([]);
    });
    it("records the partner's prefill", () => {
      user
        .given([created])
        .when(give({ fullName: "Devratna Arya", gender: "MALE" }))
        .yields([given({ fullName: "Devratna Arya", gender: "MALE" })]);
    });
    it("records only the fields that changed", () => {
      user
        .given([created, given({ fullName: "Devratna Arya", gender: "MALE" })])
        .when(give({ fullName: "Devratna Arya", gender: "FEMALE" }))
        .yields([given({ gender: "FEMALE" })]);
    });
    it("the same prefill again appends nothing", () => {
      user
        .given([created, given({ fullName: "Devratna Arya" })])
        .when(give({ fullName: "Devratna Arya" }))
        .yields([]);
    });
  });

  it.each<[string, PartnerUserEvent[], PartnerUserCommand]>([
    ["user_must_exist", [], give({ fullName: "A" })],
  ])("GiveContext's rules in precedence order: %s", (rule, history, command) => {
    user.given(history).when(command).rejects(rule);
  });

  it("one stream per partner and mobile", () => {
    expect(partnerUserStream("partner-1", "9887206895")).toBe("partneruser-partner-1:9887206895");
  });
});
