import { describe, expect, it } from "vitest";
import type { EventEnvelope } from "../../contracts/envelope.ts";
import { InvariantViolation } from "../ledger/decider.ts";
import { ANY_2XX } from "./reply-rules.ts";
import { type DeliverySource, ownerOf, sourceRegistry } from "./source.ts";

const event: EventEnvelope = {
  eventId: "0190f5a0-0000-7000-8000-000000000001",
  type: "DisbursalApproved",
  schemaVersion: 1,
  streamId: "disbursal-IN-1",
  revision: 0,
  position: "7",
  occurredAt: "2026-11-27T10:00:00.000Z",
  recordedAt: "2026-11-27T10:00:00.000Z",
  correlationId: "c",
  causationId: "c",
  tenantId: "t",
  actor: "a",
  data: {},
};

function source(name: string, overrides: Partial<DeliverySource> = {}): DeliverySource {
  return {
    name,
    matches: (e) => e.streamId.startsWith("disbursal-"),
    request: async () => ({ url: "http://127.0.0.1/hook", body: "{}", signingKey: "k" }),
    reply: ANY_2XX,
    ...overrides,
  };
}

describe("registering delivery sources", () => {
  it("refuses a name that is no lower-case token, or one registered twice", () => {
    for (const name of ["", "Kredivo", "kredivo push", "9push", "-push", "x".repeat(64)]) {
      expect(() => sourceRegistry([source(name)]), name).toThrow(/must match/);
    }
    expect(() => sourceRegistry([source("partner-webhook"), source("partner-webhook")])).toThrow(
      "delivery source partner-webhook is registered twice",
    );
  });

  it("keeps the sources by name", () => {
    const registry = sourceRegistry([source("kredivo-push"), source("partner-webhook")]);
    expect([...registry.keys()]).toEqual(["kredivo-push", "partner-webhook"]);
  });
});

describe("the owner of an event", () => {
  it("is the one source that matches it, with its labels", () => {
    const registry = sourceRegistry([
      source("kredivo-push", { matches: () => false }),
      source("partner-webhook", { labels: (e) => ({ disbursalId: e.streamId.slice("disbursal-".length) }) }),
    ]);
    expect(ownerOf(registry, event)).toEqual({ name: "partner-webhook", labels: { disbursalId: "IN-1" } });
  });

  it("is nobody when no source matches, and a source without labels gives none", () => {
    expect(ownerOf(sourceRegistry([source("a", { matches: () => false })]), event)).toBeUndefined();
    expect(ownerOf(sourceRegistry([source("a")]), event)).toEqual({ name: "a", labels: {} });
  });

  it("is a bug when two sources claim the event", () => {
    const registry = sourceRegistry([source("a"), source("b")]);
    expect(() => ownerOf(registry, event)).toThrow(InvariantViolation);
    expect(() => ownerOf(registry, event)).toThrow(
      `event ${event.eventId} (DisbursalApproved) matches sources a, b`,
    );
  });

  it("is a bug when a label would shadow a delivery field or is no camelCase name", () => {
    for (const label of ["status", "deliveryId", "url", "attempts", "trx_status", "TransactionId", ""]) {
      const registry = sourceRegistry([source("a", { labels: () => ({ [label]: "x" }) })]);
      expect(() => ownerOf(registry, event), label).toThrow(InvariantViolation);
    }
  });
});
