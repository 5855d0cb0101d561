import { describe, expect, it } from "vitest";
import { type Claim, derivedId, derivedIdPrefix, fingerprintOf } from "./idempotency-claims.ts";

const claim: Claim = {
  scope: "scope-a",
  key: "key-1",
  owner: "attempt-1",
  firstSeenMs: Date.parse("2026-11-27T10:00:00.000Z"),
};

describe("ids derived from a claim", () => {
  it("are UUIDv7 stamped with the key's first-seen time", () => {
    const id = derivedId(claim, "m-1");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replace("-", "").slice(0, 12), 16)).toBe(claim.firstSeenMs);
  });

  it("are the same for every attempt of the claim and differ by part, key and scope", () => {
    const id = derivedId(claim, "m-1");
    expect(derivedId({ ...claim, owner: "attempt-2" }, "m-1")).toBe(id);
    expect(derivedId(claim, "m-2")).not.toBe(id);
    expect(derivedId({ ...claim, key: "key-2" }, "m-1")).not.toBe(id);
    expect(derivedId({ ...claim, scope: "scope-b" }, "m-1")).not.toBe(id);
  });

  it("share the claim's prefix", () => {
    expect(derivedId(claim, "m-1").startsWith(derivedIdPrefix(claim))).toBe(true);
    expect(derivedId(claim, "m-2").startsWith(derivedIdPrefix(claim))).toBe(true);
    expect(derivedIdPrefix(claim)).toHaveLength(13);
  });
});

describe("a request's fingerprint", () => {
  it("reads bigint amounts as their digits and tells bodies, methods and URLs apart", () => {
    const body = { amount: { amountMinor: 90_500n, currency: "VND" } };
    expect(fingerprintOf("POST", "/x", body)).toBe(fingerprintOf("POST", "/x", structuredClone(body)));
    expect(fingerprintOf("POST", "/x", body)).not.toBe(
      fingerprintOf("POST", "/x", { amount: { amountMinor: 90_501n, currency: "VND" } }),
    );
    expect(fingerprintOf("POST", "/x", body)).not.toBe(fingerprintOf("POST", "/y", body));
    expect(fingerprintOf("POST", "/x", undefined)).toBe(fingerprintOf("POST", "/x", null));
  });
});
