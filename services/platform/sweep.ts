/**
 * Runs `sweep` every `everyMs`, one run at a time (a slow run delays the next, never overlaps it); a failed
 * run is logged and the next tick tries again. Durable timers use it: their deadlines live in the log and a
 * read model indexes them, so a restart loses none, and the first sweep after start catches up.
 */
export function startSweep(
  name: string,
  sweep: () => Promise<unknown>,
  everyMs: number,
  logger: { error(object: object, message: string): void },
): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const interval = setInterval(() => {
    running = running
      .then(sweep)
      .catch((error: unknown) => logger.error({ err: error }, `${name} failed; retrying on the next tick`));
  }, everyMs);
  return {
    async stop() {
      clearInterval(interval);
      await running;
    },
  };
}
