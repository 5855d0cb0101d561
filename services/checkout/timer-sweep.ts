import type { CheckoutService } from "./checkout-service.ts";

/**
 * Fires the durable timers. The deadlines live in the log (Pending's confirmBy, Initiated's expiresAt) and
 * the status view indexes them, so a restart loses none: the first sweep after start catches up.
 */
export function startTimerSweep(
  service: CheckoutService,
  everyMs: number,
  logger: { error(object: object, message: string): void },
): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const caller = { actor: "timer", correlationId: "timer-sweep", causationId: "timer-sweep" };
  const interval = setInterval(() => {
    running = running
      .then(() => service.sweepTimers(caller))
      .catch((error: unknown) =>
        logger.error({ err: error }, "timer sweep failed; retrying on the next tick"),
      );
  }, everyMs);
  return {
    async stop() {
      clearInterval(interval);
      await running;
    },
  };
}
