import { sleep } from "../support/eventually.ts";
import { killHard, type ServiceProcess } from "../support/service-process.ts";

// The crash loop's killer (issue 14 item 1): SIGKILL at random moments, a restart on the same data each
// time. What it kills is a set of named processes (the embedded service alone, or each role of the
// production shape); each kill picks one at random.

export interface Victims<P extends ServiceProcess> {
  /** The processes running now, by name. */
  readonly running: Map<string, P>;
  /** Starts `name` again on the same data and waits until it listens. */
  start(name: string): Promise<P>;
}

export interface KillLog {
  readonly name: string;
  /** Milliseconds from the loop's start. */
  readonly at: number;
  readonly restartMs: number;
}

/**
 * Kills `kills` times, each after a random pause of about `seconds / kills` (half to one and a half of it),
 * restarting the victim before the next pause. Resolves with what it killed.
 */
export async function crashLoop<P extends ServiceProcess>(
  victims: Victims<P>,
  options: {
    kills: number;
    seconds: number;
    random: () => number;
    /** Who the first kill takes (e.g. the role that answers commands); random when absent. */
    first?: string;
  },
): Promise<KillLog[]> {
  const began = Date.now();
  const gapMs = (options.seconds * 1000) / Math.max(options.kills, 1);
  const log: KillLog[] = [];
  for (let i = 0; i < options.kills; i++) {
    await sleep(gapMs * (0.5 + options.random()));
    const names = [...victims.running.keys()];
    const name =
      i === 0 && options.first !== undefined
        ? options.first
        : names[Math.floor(options.random() * names.length)]!;
    await killHard(victims.running.get(name)!);
    const at = Date.now() - began;
    const restarted = Date.now();
    victims.running.set(name, await victims.start(name));
    log.push({ name, at, restartMs: Date.now() - restarted });
  }
  return log;
}
