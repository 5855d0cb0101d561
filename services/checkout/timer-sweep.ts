import { startSweep } from "../platform/sweep.ts";
import type { CheckoutService } from "./checkout-service.ts";

/** Fires the checkout's durable timers: Pending's confirmBy, Initiated's expiresAt (use-cases/timers.ts). */
export function startTimerSweep(
  service: CheckoutService,
  everyMs: number,
  logger: { error(object: object, message: string): void },
): { stop(): Promise<void> } {
  const caller = { actor: "timer", correlationId: "timer-sweep", causationId: "timer-sweep" };
  return startSweep("timer sweep", () => service.sweepTimers(caller), everyMs, logger);
}
