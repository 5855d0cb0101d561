import { randomBytes } from "node:crypto";
import {
  type CheckoutService,
  checkoutHttp,
  checkoutOperatorHttp,
  checkoutService,
  seedSandbox,
  startTimerSweep,
} from "../checkout/index.ts";
import { creditHttp, repaymentService } from "../credit/index.ts";
import { financeHttp, waitForJournal } from "../finance/index.ts";
import {
  type KredmintService,
  kredmintHttp,
  kredmintService,
  seedSandboxPartner,
  startAutoPaySweep,
} from "../kredmint/index.ts";
import type { BlobStore } from "../platform/blobstore/port.ts";
import { configuredOtpSender, otpCodes } from "../platform/otp/otp-codes.ts";
import { SANDBOX_OTP } from "../platform/otp/sandbox-otp-sender.ts";
import { openBlobStore } from "../platform/stores.ts";
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

/**
 * The gateway role: the Checkout API with its sandbox and timers, the Partner API with its sandbox partner,
 * repayments and finance under /v1.
 */
export async function startGatewayRole(
  context: RoleContext,
  wiring: GatewayWiring,
): Promise<Started & { checkout: CheckoutService; kredmint: KredmintService }> {
  const { config, logger, store, readStore, secrets, now } = context;
  const otp = otpCodes({
    readStore,
    sender: configuredOtpSender(config, logger),
    now,
    ttlSeconds: config.OTP_TTL_SECONDS,
    maxPerWindow: config.OTP_MAX_PER_WINDOW,
    windowSeconds: config.OTP_WINDOW_SECONDS,
  });
  const checkout = checkoutService({
    otpCodes: otp,
    store,
    readStore,
    secrets,
    waitForProjections: wiring.waitForProjections,
    now,
    get publicBaseUrl() {
      return wiring.publicBaseUrl();
    },
    confirmTimeoutSeconds: config.CONFIRM_TIMEOUT_SECONDS,
    checkoutExpirySeconds: config.CHECKOUT_EXPIRY_SECONDS,
    interestRates: config.INTEREST_RATES_BPS,
    zeroClickRisk: {
      maxAmountMinor: BigInt(config.ZERO_CLICK_MAX_AMOUNT),
      maxCheckoutsInWindow: config.ZERO_CLICK_MAX_CHECKOUTS,
      windowSeconds: config.ZERO_CLICK_WINDOW_SECONDS,
    },
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
    publicBaseUrl: () => wiring.publicBaseUrl(),
    pageSecret: config.FINANCE_PAGE_SECRET,
  });
  const kredivo = checkoutHttp(checkout, { readStore, leaseMs: config.IDEMPOTENCY_LEASE_MS });
  const blobs = openBlobStore(config);
  // Unset, links signed by this process die with it: documented in README "Partner API".
  const linkSecret = config.KREDMINT_LINK_SECRET ?? randomBytes(32).toString("base64url");
  const kredmint = await startKredmint(context, wiring, { blobs, linkSecret });
  const partnerApi = kredmintHttp(kredmint, {
    now,
    apiKeys: config.API_KEYS,
    rateLimit: { max: config.KREDMINT_RATE_LIMIT_MAX, windowMs: config.KREDMINT_RATE_LIMIT_WINDOW_MS },
    uploadMaxBytes: config.KREDMINT_UPLOAD_MAX_BYTES,
    linkSecret,
    publicBaseUrl: wiring.publicBaseUrl,
    otp: { codes: otp, sandboxCode: config.OTP_SENDER === "sandbox" ? SANDBOX_OTP.kredmint : undefined },
  });
  const operator = checkoutOperatorHttp(checkout, config.API_KEYS);
  const credit = creditHttp({
    store,
    readStore,
    now,
    waitForProjections: wiring.waitForProjections,
    apiKeys: config.API_KEYS,
  });
  // Sandbox auto-pay only while SANDBOX_AUTO_PROGRESS_SECONDS is set: a production gateway does not poll for it.
  const autoPay =
    config.SANDBOX_AUTO_PROGRESS_SECONDS === undefined
      ? undefined
      : startAutoPaySweep(kredmint, config.TIMER_SWEEP_MS, logger);
  return {
    checkout,
    kredmint,
    mounts: [kredivo, finance, operator, credit, partnerApi],
    stops: [() => timers.stop(), async () => autoPay?.stop(), () => blobs.close()],
  };
}

/** The Partner API's use cases, with the sandbox partner seeded (SANDBOX_PARTNER_*). */
async function startKredmint(
  context: RoleContext,
  wiring: GatewayWiring,
  parts: { readonly blobs: BlobStore; readonly linkSecret: string },
): Promise<KredmintService> {
  const { config, store, readStore, secrets, now } = context;
  const kredmint = kredmintService({
    store,
    readStore,
    secrets,
    waitForProjections: wiring.waitForProjections,
    now,
    get publicBaseUrl() {
      return wiring.publicBaseUrl();
    },
    linkSecret: parts.linkSecret,
    linkTtlSeconds: config.KREDMINT_LINK_TTL_SECONDS,
    blobs: parts.blobs,
    autoProgressSeconds: config.SANDBOX_AUTO_PROGRESS_SECONDS,
    sandboxPartnerId: config.SANDBOX_PARTNER_ID,
  });
  await seedSandboxPartner(kredmint, {
    partnerId: config.SANDBOX_PARTNER_ID,
    secret: config.SANDBOX_PARTNER_SECRET,
    clientToken: config.SANDBOX_PARTNER_CLIENT_TOKEN,
    webhookUrl: config.SANDBOX_PARTNER_WEBHOOK_URL,
    webhookAuth: config.SANDBOX_PARTNER_WEBHOOK_AUTH,
  });
  return kredmint;
}
