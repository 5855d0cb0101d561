import { expect } from "vitest";
import type { EventStore } from "../../services/platform/eventstore/port.ts";
import type { ReadStore } from "../../services/platform/readstore/port.ts";
import { FAST_ENV } from "../checkout/lifecycle-support.ts";
import { OK, type Receiver, type Reply } from "../notifier/harness.ts";
import { eventually } from "../support/eventually.ts";
import { checkRun, type Verdict } from "./checks.ts";
import type { KillLog } from "./killer.ts";
import { type LoadRecord, seededRandom } from "./load.ts";

// What both crash-loop tests share: their settings from the environment, the merchant's flaky receiver, the
// wait for the notifier to finish, and the checks and figures of a finished run.

export interface ChaosSettings {
  readonly kills: number;
  readonly seconds: number;
  readonly seed: number;
  readonly random: () => number;
  /** The test's own timeout: the loop, the retries' tail, the checks and the rebuild. */
  readonly timeoutMs: number;
}

/** The service's settings under a crash loop, either shape (each adds its own stores and port). */
export const CHAOS_ENV: Readonly<Record<string, string>> = {
  ...FAST_ENV,
  IDEMPOTENCY_LEASE_MS: "1000",
  CONFIRM_TIMEOUT_SECONDS: "600",
  SANDBOX_AUTO_PROGRESS_SECONDS: "2",
  // One partner user signs in for every disbursal, retries included: no limit of an abuse control in the way.
  OTP_MAX_PER_WINDOW: "100",
  OTP_WINDOW_SECONDS: "60",
  KREDMINT_RATE_LIMIT_MAX: "1000000",
};

/** CHAOS_KILLS, CHAOS_SECONDS and CHAOS_SEED over the test's short defaults. */
export function chaosSettings(defaults: { kills: number; seconds: number }): ChaosSettings {
  const number = (name: string, fallback: number) => {
    const text = process.env[name];
    if (text === undefined || text === "") return fallback;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 0)
      throw new Error(`${name} must be a whole number, got ${text}`);
    return value;
  };
  const kills = number("CHAOS_KILLS", defaults.kills);
  const seconds = number("CHAOS_SECONDS", defaults.seconds);
  const seed = number("CHAOS_SEED", Date.now() % 1_000_000);
  return {
    kills,
    seconds,
    seed,
    random: seededRandom(seed),
    timeoutMs: (seconds * 3 + kills * 20 + 120) * 1000,
  };
}

/** The merchant's receiver: about one push in ten answered 500 (retried), the rest 200. */
export function flakyReplies(seed: number): Reply[] {
  const random = seededRandom(seed ^ 0x5eed);
  return [...Array.from({ length: 5_000 }, () => (random() < 0.1 ? { status: 500 } : OK)), OK];
}

/** Resolves once the notifier has no delivery still pending (each delivered or dead-lettered). */
export function pushesSettle(pending: () => Promise<number>, timeoutMs = 60_000): Promise<true> {
  return eventually(
    "every push delivered or dead-lettered",
    async () => ((await pending()) === 0 ? true : undefined),
    timeoutMs,
    200,
  );
}

export function printFigures(
  shape: string,
  settings: ChaosSettings,
  kills: readonly KillLog[],
  record: LoadRecord,
  { figures }: Verdict,
): void {
  const byVictim = new Map<string, number>();
  for (const k of kills) byVictim.set(k.name, (byVictim.get(k.name) ?? 0) + 1);
  const victims = [...byVictim].map(([name, n]) => `${name} ${n}`).join(", ");
  const restart = Math.max(0, ...kills.map((k) => k.restartMs));
  const acknowledged = Object.values(figures.acknowledged).reduce((a, b) => a + b, 0);
  console.log(
    [
      `chaos (${shape}), seed ${settings.seed}: ${kills.length} kills in ${settings.seconds} s (${victims}; slowest restart ${restart} ms)`,
      `  commands acknowledged: ${acknowledged} (${Object.entries(figures.acknowledged)
        .map(([k, n]) => `${k} ${n}`)
        .join(
          ", ",
        )}); retried requests ${record.retries}; unanswered ${figures.unanswered}; refused ${figures.refused}`,
      `  lost = ${figures.lost}, duplicates = ${figures.duplicates}; ${figures.events} events, ${figures.journalEntries} journal entries balanced, ${figures.creditLineSteps} credit-line steps within limit`,
      `  pushes: ${figures.pushesDelivered} delivered, ${figures.pushesDeadLettered} dead-lettered`,
      `  retried: ${Object.entries(record.retryReasons)
        .map(([why, n]) => `${why} × ${n}`)
        .join("; ")}`,
      ...record.refused.map((r) => `  refused ${r.kind} ${r.key}: ${r.reason.slice(0, 200)}`),
    ].join("\n"),
  );
}

/** A crash loop that has finished: what it ran, and the stores its service wrote (opened by the caller). */
export interface FinishedRun {
  readonly shape: string;
  readonly settings: ChaosSettings;
  readonly kills: readonly KillLog[];
  readonly record: LoadRecord;
  readonly receiver: Receiver;
  /** The service's environment, for `ledger verify`. */
  readonly env: Record<string, string>;
  readonly store: EventStore;
  readonly readStore: ReadStore;
}

/**
 * Runs every check of checks.ts on a finished run, prints its figures and expects them all to hold, with the
 * failures of the shape's own checks (`more`, run while the stores are open) among them; closes the stores.
 */
export async function expectRunHeld(
  run: FinishedRun,
  more: (store: EventStore) => Promise<string[]> = async () => [],
): Promise<Verdict> {
  const { store, readStore, record, receiver } = run;
  try {
    const verdict = await checkRun({
      record,
      store,
      readStore,
      received: new Set(receiver.received.map((r) => String(r.headers["webhook-id"]))),
      receiverUrl: receiver.url,
      env: run.env,
    });
    printFigures(run.shape, run.settings, run.kills, record, verdict);
    expect([...verdict.failures, ...(await more(store))]).toEqual([]);
    expect(run.kills).toHaveLength(run.settings.kills);
    expect(verdict.figures.lost).toBe(0);
    expect(verdict.figures.duplicates).toBe(0);
    return verdict;
  } finally {
    await store.close();
    await readStore.close();
  }
}
