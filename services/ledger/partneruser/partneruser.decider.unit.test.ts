import { describe, expect, it } from "vitest";
import { spec } from "../testing/decider-spec.ts";
import { type PartnerUserCommand, partnerUserDecider, partnerUserStream } from "./partneruser.decider.ts";
import type { FinancialDocument, PartnerUserEvent, PartnerUserIdentity } from "./partneruser.events.ts";

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

/** ₹1,00,000.00 */
const LIMIT = 10_000_000n;
const document: FinancialDocument = {
  documentId: "UDOC-1",
  name: "revenue.csv",
  relativeUrl: "USR-1/abcdef-revenue.csv",
  format: "csv",
  sha256: "a".repeat(64),
  sizeBytes: 80,
  uploadedBy: "partner:partner-1",
  months: 6,
  proposedLimitMinor: LIMIT,
  basis: "average",
};
const other: FinancialDocument = { ...document, documentId: "UDOC-2", sha256: "b".repeat(64) };
const submit: PartnerUserCommand = { type: "SubmitProfile", profile: { fullName: "Devratna Arya" } };
const submitted: PartnerUserEvent = {
  type: "ProfileSubmitted",
  data: { profile: { fullName: "Devratna Arya" } },
};
const upload = (d: FinancialDocument): PartnerUserCommand => ({ type: "UploadFinancialData", document: d });
const uploaded = (d: FinancialDocument): PartnerUserEvent => ({ type: "FinancialDataUploaded", data: d });
const approve = (creditLimitMinor: bigint): PartnerUserCommand => ({ type: "Approve", creditLimitMinor });
const reject = (reason: string): PartnerUserCommand => ({ type: "Reject", reason });

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

  describe("when the profile is incomplete, onboarding", () => {
    it("records the profile the user submitted; the same again is a no-op", () => {
      user.given([created]).when(submit).yields([submitted]);
      user.given([created, submitted]).when(submit).yields([]);
    });
    it("financial data puts the user under review, with the rule's proposal", () => {
      const step = user.given([created, submitted]).when(upload(document));
      step.yields([uploaded(document)]);
      expect(step.state().state).toBe("UnderReview");
    });
    it("financial data without the page's profile is taken too (the partner's API upload)", () => {
      user
        .given([created])
        .when(upload(document))
        .yields([uploaded(document)]);
    });
    it("a decision before any financial data is refused", () => {
      user.given([created]).when(approve(LIMIT)).rejects("user_must_be_under_review");
    });
  });

  describe("when under review", () => {
    const history = [created, uploaded(document)];
    it("the same file again is a no-op; another file is recorded too", () => {
      user.given(history).when(upload(document)).yields([]);
      user
        .given(history)
        .when(upload(other))
        .yields([uploaded(other)]);
    });
    it("the profile is no longer changed", () => {
      user.given(history).when(submit).rejects("profile_must_be_incomplete");
    });
    it("an operator approves with a limit: Active", () => {
      const step = user.given(history).when(approve(LIMIT), { actor: "operator" });
      step.yields([{ type: "UserApproved", data: { creditLimitMinor: LIMIT, decidedBy: "operator" } }]);
      expect(step.state().state).toBe("Active");
    });
    it("an operator rejects with a reason: Rejected", () => {
      const step = user.given(history).when(reject("thin file"), { actor: "operator" });
      step.yields([{ type: "UserRejected", data: { reason: "thin file", decidedBy: "operator" } }]);
      expect(step.state().state).toBe("Rejected");
    });
  });

  describe("when decided", () => {
    const approved: PartnerUserEvent = {
      type: "UserApproved",
      data: { creditLimitMinor: LIMIT, decidedBy: "op" },
    };
    const active = [created, uploaded(document), approved];
    it("the same decision again is a no-op (a retried operator call)", () => {
      user.given(active).when(approve(LIMIT)).yields([]);
    });
    it("another decision is refused", () => {
      user
        .given(active)
        .when(approve(LIMIT + 1n))
        .rejects("decision_is_final");
      user.given(active).when(reject("changed our mind")).rejects("decision_is_final");
    });
    it("more financial data is refused", () => {
      user.given(active).when(upload(other)).rejects("decision_is_final");
    });
  });

  it.each<[string, PartnerUserEvent[], PartnerUserCommand]>([
    ["user_must_exist", [], give({ fullName: "A" })],
  ])("GiveContext's rules in precedence order: %s", (rule, history, command) => {
    user.given(history).when(command).rejects(rule);
  });

  it.each<[string, PartnerUserEvent[], PartnerUserCommand]>([
    ["user_must_exist", [], approve(0n)],
    [
      "credit_limit_must_be_positive",
      [created, uploaded(document), { type: "UserRejected", data: { reason: "r", decidedBy: "op" } }],
      approve(0n),
    ],
    [
      "decision_is_final",
      [created, uploaded(document), { type: "UserRejected", data: { reason: "r", decidedBy: "op" } }],
      approve(LIMIT),
    ],
    ["user_must_be_under_review", [created], approve(LIMIT)],
  ])("Approve's rules in precedence order: %s", (rule, history, command) => {
    user.given(history).when(command).rejects(rule);
  });

  it.each<[string, PartnerUserEvent[], PartnerUserCommand]>([
    ["user_must_exist", [], submit],
    ["profile_must_be_incomplete", [created, uploaded(document)], submit],
  ])("SubmitProfile's rules in precedence order: %s", (rule, history, command) => {
    user.given(history).when(command).rejects(rule);
  });

  it.each<[string, PartnerUserEvent[], PartnerUserCommand]>([
    ["user_must_exist", [], upload(document)],
    [
      "decision_is_final",
      [created, uploaded(document), { type: "UserRejected", data: { reason: "r", decidedBy: "op" } }],
      upload(other),
    ],
  ])("UploadFinancialData's rules in precedence order: %s", (rule, history, command) => {
    user.given(history).when(command).rejects(rule);
  });

  it("one stream per partner and mobile", () => {
    expect(partnerUserStream("partner-1", "9887206895")).toBe("partneruser-partner-1:9887206895");
  });
});
