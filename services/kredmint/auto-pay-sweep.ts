import type { KredmintService } from "./kredmint-service.ts";

/**
 * SANDBOX_AUTO_PROGRESS_SECONDS' durable timer: the deadlines live in the log (DisbursalInitiated's
 * `autoPayAt`) and the disbursals read model indexes them, so a restart loses none; the first sweep after
 * start catches up. Unset, no disbursal has a deadline and the sweep finds nothing.
 */
export function startAutoPaySweep(
  kredmint: KredmintService,
  everyMs: number,
  logger: { error(object: object, message: string): void },
): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const caller = {
    actor: "system:sandbox-auto-pay",
    correlationId: "auto-pay-sweep",
    causationId: "auto-pay-sweep",
  };
  const interval = setInterval(() => {
    running = running
      .then(() => kredmint.disbursals.sweepAutoPay(caller))
      .catch((error: unknown) =>
        logger.error({ err: error }, "auto-pay sweep failed; retrying on the next tick"),
      );
  }, everyMs);
  return {
    async stop() {
      clearInterval(interval);
      await running;
    },
  };
}
