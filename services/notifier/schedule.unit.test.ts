import { describe, expect, it } from "vitest";
import { backoffMs, DEFAULT_SCHEDULE, nextStep, resolveSchedule, retryAfterMs } from "./schedule.ts";

const now = new Date("2026-11-27T10:00:00.000Z");

describe("retry schedule", () => {
  it("doubles from 10 s and caps at 1 h, jittered between 0 and the step", () => {
    const top = () => 0.999999;
    expect(backoffMs(DEFAULT_SCHEDULE, 1, top)).toBe(9_999);
    expect(backoffMs(DEFAULT_SCHEDULE, 2, top)).toBe(19_999);
    expect(backoffMs(DEFAULT_SCHEDULE, 9, top)).toBe(2_559_997);
    expect(backoffMs(DEFAULT_SCHEDULE, 10, top)).toBe(3_599_996);
    expect(backoffMs(DEFAULT_SCHEDULE, 500, top)).toBe(3_599_996);
    expect(backoffMs(DEFAULT_SCHEDULE, 3, () => 0)).toBe(0);
  });

  it("gives up at the attempt limit or when the next try would pass the 3-day deadline", () => {
    const start = now.getTime();
    expect(nextStep(DEFAULT_SCHEDULE, { attempts: 199, pendingSince: start }, now, undefined)).toEqual({
      dead: true,
    });
    const late = new Date(start + 3 * 24 * 3_600_000 - 1000);
    expect(nextStep(DEFAULT_SCHEDULE, { attempts: 5, pendingSince: start }, late, 2000)).toEqual({
      dead: true,
    });
    expect(nextStep(DEFAULT_SCHEDULE, { attempts: 5, pendingSince: start }, late, 500)).toEqual({
      retryAt: late.getTime() + 500,
    });
  });

  it("spans about three days with the default schedule, whatever the jitter", () => {
    for (const draw of [() => 0.5, () => 0.999, Math.random]) {
      let delivery = { attempts: 0, pendingSince: now.getTime() };
      let at = now.getTime();
      for (;;) {
        const step = nextStep(DEFAULT_SCHEDULE, delivery, new Date(at), undefined, draw);
        if ("dead" in step) break;
        at = step.retryAt;
        delivery = { ...delivery, attempts: delivery.attempts + 1 };
      }
      const days = (at - now.getTime()) / 86_400_000;
      expect(days).toBeGreaterThan(2.9);
      expect(days).toBeLessThanOrEqual(3);
    }
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    expect(retryAfterMs("120", now)).toBe(120_000);
    expect(retryAfterMs("Fri, 27 Nov 2026 10:00:30 GMT", now)).toBe(30_000);
    expect(retryAfterMs("Fri, 27 Nov 2026 09:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs("-5", now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it("refuses a nonsensical schedule", () => {
    expect(() => resolveSchedule({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => resolveSchedule({ firstRetryMs: -1 })).toThrow(/firstRetryMs/);
    expect(resolveSchedule({ firstRetryMs: 5 })).toEqual({ ...DEFAULT_SCHEDULE, firstRetryMs: 5 });
  });
});
