import { startSweep } from "../platform/sweep.ts";
import type { KredmintService } from "./kredmint-service.ts";

/**
 * SANDBOX_AUTO_PROGRESS_SECONDS' durable timer: the deadlines live in the log (DisbursalInitiated's
 * `autoPayAt`) and the disbursals read model indexes them. Started only while the setting is on.
 */
export function startAutoPaySweep(
  kredmint: KredmintService,
  everyMs: number,
  logger: { error(object: object, message: string): void },
): { stop(): Promise<void> } {
  const caller = {
    actor: "system:sandbox-auto-pay",
    correlationId: "auto-pay-sweep",
    causationId: "auto-pay-sweep",
  };
  return startSweep("auto-pay sweep", () => kredmint.disbursals.sweepAutoPay(caller), everyMs, logger);
}
