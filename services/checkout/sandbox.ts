import { TENURES } from "../../contracts/checkout/common.ts";
import { creditLineStream, kredivoLine } from "../ledger/creditline/creditline.stream.ts";
import { merchantStream } from "../ledger/merchant/merchant.decider.ts";
import type { CheckoutService } from "./checkout-service.ts";

/** The seed's sandbox test account ("Environment Setup"): username 900000000, password 447462, OTP 4567. */
export const SANDBOX_BUYER = {
  userId: "sandbox-buyer",
  phone: "900000000",
  pin: "447462",
  otp: "4567",
} as const;
export const SANDBOX_MERCHANT_ID = "sandbox-merchant";
/** 100,000,000 VND on every tenure: comfortably above the seed's sample orders (6,505,000). */
export const SANDBOX_LIMIT_MINOR = 100_000_000n;

export interface SandboxSeed {
  /** SANDBOX_SERVER_KEY. */
  readonly serverKey: string;
  /** SANDBOX_DEALER_CODES: the sandbox merchant's dealers, for offline checkouts. */
  readonly dealerCodes: readonly string[];
}

/**
 * Seeds the sandbox merchant (with its dealers) and buyer as events on their own streams. Every start
 * re-sends the same registrations, which the deciders treat as no-ops; a changed SANDBOX_SERVER_KEY rotates
 * the key, a dealer code added to SANDBOX_DEALER_CODES is registered (one left out stays registered).
 * Returns the log position to wait for so lookups see the seed.
 */
export async function seedSandbox(
  service: CheckoutService,
  { serverKey, dealerCodes }: SandboxSeed,
): Promise<string | undefined> {
  const meta = {
    now: new Date().toISOString(),
    actor: "system:sandbox-seed",
    tenantId: "kredivo",
    correlationId: "sandbox-seed",
    causationId: "sandbox-seed",
  };
  const positions: (string | undefined)[] = [];
  const { state: merchant } = await service.merchants.load(merchantStream(SANDBOX_MERCHANT_ID));
  if (merchant.profile) {
    const rotation = {
      type: "RotateServerKey" as const,
      serverKeyRef: await service.serverKeys.referenceOf(serverKey),
    };
    positions.push(
      (await service.merchants.handle(merchantStream(SANDBOX_MERCHANT_ID), rotation, meta)).position,
    );
  }
  // The operator's registration (POST /v1/merchants) with the sandbox's own id and key: registering again
  // is a no-op, and the dealers are registered as they are for any merchant.
  const registration = {
    merchantId: SANDBOX_MERCHANT_ID,
    name: "Sandbox Merchant",
    serverKey,
    feeRateBps: 150,
    status: "active" as const,
    dealerCodes: [...dealerCodes],
    // Pushes signed with the server key's hash, as the sandbox always has been.
    pushSigning: { standardWebhooks: "server_key_hash" as const },
  };
  positions.push((await service.registerMerchant(registration, meta)).position);
  const buyerStream = `buyer-${SANDBOX_BUYER.userId}`;
  const { state: buyer } = await service.buyers.load(buyerStream);
  if (!buyer.profile) {
    const profile = {
      userId: SANDBOX_BUYER.userId,
      phone: SANDBOX_BUYER.phone,
      pinRef: await service.buyerSecrets.store(SANDBOX_BUYER.pin),
      otpRef: await service.buyerSecrets.store(SANDBOX_BUYER.otp),
    };
    positions.push((await service.buyers.handle(buyerStream, { type: "Register", profile }, meta)).position);
  }
  const lineStream = creditLineStream(kredivoLine(SANDBOX_BUYER.userId));
  const { state: line } = await service.creditLines.load(lineStream);
  if (!line.open) {
    const limit = {
      type: "SetLimit" as const,
      line: kredivoLine(SANDBOX_BUYER.userId),
      limit: {
        kind: "instalment" as const,
        totalMinor: SANDBOX_LIMIT_MINOR,
        perTenureMinor: TENURES.map((tenure) => ({ tenure, limitMinor: SANDBOX_LIMIT_MINOR })),
      },
      reason: "sandbox account",
    };
    positions.push((await service.creditLines.handle(lineStream, limit, meta)).position);
  }
  return positions.filter((p) => p !== undefined).at(-1);
}
