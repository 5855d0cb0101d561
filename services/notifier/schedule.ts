/**
 * When to try a delivery again. Exponential backoff with full jitter (a random delay between 0 and the
 * capped exponential step), so a receiver that comes back is not hit by every queued delivery at once.
 * A delivery is given up (dead letter) after `maxAttempts`, or when the next try would fall more than
 * `giveUpAfterMs` after its round of attempts began: that deadline, not the attempt count, is what bounds
 * the default schedule to about three days whatever the jitter draws.
 */
export interface RetrySchedule {
  /** Cap of the first retry's delay; each later retry doubles it. */
  readonly firstRetryMs: number;
  /** Cap of any one backoff delay. */
  readonly maxRetryMs: number;
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** No attempt is scheduled later than this after the delivery was recorded (or replayed). */
  readonly giveUpAfterMs: number;
}

export const DEFAULT_SCHEDULE: RetrySchedule = {
  firstRetryMs: 10_000,
  maxRetryMs: 3_600_000,
  // With full jitter the capped delays average 30 min, so about 150 attempts fit in 3 days; this bound
  // only guards against a receiver answering Retry-After: 0 forever.
  maxAttempts: 200,
  giveUpAfterMs: 3 * 24 * 3_600_000,
};

export const DEFAULT_TIMEOUT_MS = 10_000;

/** Backoff before retry number `failedAttempts` (1 after the first attempt failed). */
export function backoffMs(schedule: RetrySchedule, failedAttempts: number, random = Math.random): number {
  const step = Math.min(schedule.maxRetryMs, schedule.firstRetryMs * 2 ** Math.min(failedAttempts - 1, 52));
  return Math.floor(random() * step);
}

/**
 * The delay a receiver asked for with Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
 * Undefined when absent or unparseable, so the backoff applies.
 */
export function retryAfterMs(header: string | null, now: Date): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^[0-9]+$/.test(value)) return Number(value) * 1000;
  // An HTTP-date starts with the day name (IMF-fixdate and both obsolete forms); Date.parse alone would
  // also take "-5" or "2026" as a date.
  const at = /^[A-Za-z]{3,9},? /.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

export type NextStep = { readonly retryAt: number } | { readonly dead: true };

/** After a failed attempt: when to try again, or give up. */
export function nextStep(
  schedule: RetrySchedule,
  delivery: { attempts: number; pendingSince: number },
  failedAt: Date,
  requestedDelayMs: number | undefined,
  random = Math.random,
): NextStep {
  const attempts = delivery.attempts + 1;
  if (attempts >= schedule.maxAttempts) return { dead: true };
  const delay = requestedDelayMs ?? backoffMs(schedule, attempts, random);
  const retryAt = failedAt.getTime() + delay;
  if (retryAt > delivery.pendingSince + schedule.giveUpAfterMs) return { dead: true };
  return { retryAt };
}

export function resolveSchedule(partial: Partial<RetrySchedule> | undefined): RetrySchedule {
  const schedule = { ...DEFAULT_SCHEDULE, ...partial };
  for (const [key, value] of Object.entries(schedule)) {
    if (!(Number.isFinite(value) && value >= 0)) throw new Error(`schedule.${key} must be a number ≥ 0`);
  }
  if (schedule.maxAttempts < 1) throw new Error("schedule.maxAttempts must be at least 1");
  return schedule;
}
