import {
  type CheckoutService,
  checkoutHttp,
  checkoutService,
  seedSandbox,
  startTimerSweep,
} from "../checkout/index.ts";
import { repaymentService } from "../credit/index.ts";
import { financeHttp, waitForJournal } from "../finance/index.ts";
import type { RoleContext, Started } from "./role.ts";

export interface GatewayWiring {
  /** Read-your-writes: resolves once the read models have reached a position (bounded). */
  readonly waitForProjections: (position: string) => Promise<boolean>;
  /** The same for the journal alone, with the finance bound. */
  readonly waitForJournal?: (position: string) => Promise<boolean>;
  /** The base of checkout_url: PUBLIC_BASE_URL, or the listening address once known. */
  readonly publicBaseUrl: () => string;
}

/** How long a payout run or an as-of query waits for the journal to reach the position it needs. */
export const FINANCE_WAIT_MS = 10_000;

/** The gateway role: the Checkout API with its sandbox and timers, repayments and finance under /v1. */
export async function startGatewayRole(
  context: RoleContext,
  wiring: GatewayWiring,
): Promise<Started & { checkout: CheckoutService }> {
  const { config, logger, store, readStore, now } = context;
  const checkout = checkoutService({
    store,
    readStore,
    waitForProjections: wiring.waitForProjections,
    now,
    get publicBaseUrl() {
      return wiring.publicBaseUrl();
    },
    confirmTimeoutSeconds: config.CONFIRM_TIMEOUT_SECONDS,
    checkoutExpirySeconds: config.CHECKOUT_EXPIRY_SECONDS,
    interestRates: config.INTEREST_RATES_BPS,
  });
  const seeded = await seedSandbox(checkout, {
    serverKey: config.SANDBOX_SERVER_KEY,
    dealerCodes: config.SANDBOX_DEALER_CODES,
  });
  if (seeded) await wiring.waitForProjections(seeded);
  const timers = startTimerSweep(checkout, config.TIMER_SWEEP_MS, logger);
  const finance = financeHttp({
    store,
    readStore,
    // In process the runner knows at once; otherwise the journal's checkpoint is polled.
    waitForJournal: wiring.waitForJournal ?? waitForJournal(readStore, FINANCE_WAIT_MS),
    now,
    apiKeys: config.API_KEYS,
    repayments: repaymentService({ store, now, waitForProjections: wiring.waitForProjections }),
    idempotencyLeaseMs: config.IDEMPOTENCY_LEASE_MS,
  });
  const kredivo = checkoutHttp(
    checkout,
    { readStore, leaseMs: config.IDEMPOTENCY_LEASE_MS },
    { apiKeys: config.API_KEYS },
  );
  return { checkout, mounts: [kredivo, finance], stops: [() => timers.stop()] };
}
