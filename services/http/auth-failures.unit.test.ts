import { describe, expect, it } from "vitest";
import { AuthFailureLimiter } from "./auth-failures.ts";

const limiter = (options: { maxKeys?: number } = {}) => {
  const clock = { ms: 0 };
  const limits = new AuthFailureLimiter({ limit: 2, windowMs: 10_000, now: () => clock.ms, ...options });
  return { clock, limits };
};

describe("an address without failures", () => {
  it("may try", () => {
    expect(limiter().limits.retryAfterSeconds({ address: "a" })).toBeUndefined();
  });
});

describe("an address at the limit", () => {
  it("waits until its window ends, counted from its first failure", () => {
    const { clock, limits } = limiter();
    limits.failed({ address: "a" });
    clock.ms = 3_000;
    limits.failed({ address: "a" });
    expect(limits.retryAfterSeconds({ address: "a" })).toBe(7);
    expect(limits.retryAfterSeconds({ address: "b" })).toBeUndefined();
    clock.ms = 10_000;
    expect(limits.retryAfterSeconds({ address: "a" })).toBeUndefined();
  });
});

describe("an identity at the limit", () => {
  it("is refused from an address that failed, not from a clean one", () => {
    const { limits } = limiter();
    limits.failed({ address: "x", identity: "p" });
    limits.failed({ address: "y", identity: "p" });
    expect(limits.retryAfterSeconds({ address: "x", identity: "p" })).toBe(10);
    expect(limits.retryAfterSeconds({ address: "z", identity: "p" })).toBeUndefined();
    expect(limits.retryAfterSeconds({ address: "x", identity: "q" })).toBeUndefined();
  });
});

describe("a flood of addresses", () => {
  it("keeps at most maxKeys counters, dropping the oldest", () => {
    const { limits } = limiter({ maxKeys: 2 });
    limits.failed({ address: "a" });
    limits.failed({ address: "a" });
    limits.failed({ address: "b" });
    limits.failed({ address: "c" });
    expect(limits.retryAfterSeconds({ address: "a" })).toBeUndefined();
  });
});
