import { randomUUID } from "node:crypto";
import { checkoutDecider, checkoutStream } from "../../services/ledger/checkout/checkout.decider.ts";
import { checkoutCodec, type InitiatedData } from "../../services/ledger/checkout/checkout.events.ts";
import type { Tenure } from "../../services/ledger/creditline/creditline.events.ts";
import { meta, testMeta } from "../../services/ledger/testing/decider-spec.ts";
import { commandHandler } from "../../services/platform/command-handler.ts";
import type { EventStore } from "../../services/platform/eventstore/port.ts";
import type { TestMerchant } from "./merchants.ts";

// Real checkout histories for tests that follow the log (notifier, projections): every event is decided by
// the real deciders through the command handler, never hand-written.

const INITIATED_AT = testMeta.now;

export interface TestCheckout {
  readonly transactionId: string;
  readonly streamId: string;
  readonly orderId: string;
  readonly amountMinor: bigint;
  readonly tenure: Tenure;
  readonly initiatedAt: string;
}

/** Initiate → SignIn → VerifyOtp: the buyer is verified and the checkout awaits approval. */
export async function verifiedCheckout(
  store: EventStore,
  merchant: TestMerchant,
  options: { pushUrl: string; amountMinor?: bigint; tenure?: Tenure; orderId?: string },
) {
  const transactionId = randomUUID();
  const orderId = options.orderId ?? `ORD-${transactionId.slice(0, 8)}`;
  const amountMinor = options.amountMinor ?? 1_500_000n;
  const tenure = options.tenure ?? 3;
  const data: InitiatedData = {
    transactionId,
    merchantId: merchant.merchantId,
    orderId,
    currency: "VND",
    amountMinor,
    tenure,
    items: [{ id: "SKU-1", name: "Phone", priceMinor: amountMinor, quantity: 1, type: "electronics" }],
    details: {},
    pushUrl: options.pushUrl,
    backToStoreUrl: "https://merchant.example/back",
    requestFingerprint: `fp-${transactionId}`,
    initiatedAt: INITIATED_AT,
    expiresAt: "2026-11-28T10:00:00.000Z",
    source: "ecom",
  };
  const checkouts = commandHandler(store, checkoutDecider, checkoutCodec);
  const streamId = checkoutStream(transactionId);
  const at = meta(INITIATED_AT, merchant.merchantId);
  await checkouts.handle(streamId, { type: "Initiate", data }, at);
  await checkouts.handle(streamId, { type: "SignIn", userId: "user-1", sessionHash: "session-1" }, at);
  await checkouts.handle(streamId, { type: "VerifyOtp", sessionHash: "session-1", otpValid: true }, at);
  const checkout: TestCheckout = {
    transactionId,
    streamId,
    orderId,
    amountMinor,
    tenure,
    initiatedAt: INITIATED_AT,
  };
  return { checkout, checkouts, at };
}

type CheckoutOptions = Parameters<typeof verifiedCheckout>[2];

/** A verified checkout the buyer approved, the credit line having answered `hold`. */
async function approvedCheckout(
  store: EventStore,
  merchant: TestMerchant,
  options: CheckoutOptions,
  hold: { placed: true } | { placed: false; reason: string },
) {
  const { checkout, checkouts, at } = await verifiedCheckout(store, merchant, options);
  await checkouts.handle(
    checkout.streamId,
    { type: "Approve", sessionHash: "session-1", tenure: checkout.tenure, hold, confirmTimeoutSeconds: 30 },
    at,
  );
  return { ...checkout, eventId: await lastEventId(store, checkout.streamId) };
}

/** A checkout approved with the credit hold placed: its last event is Pending. */
export function pendingCheckout(store: EventStore, merchant: TestMerchant, options: CheckoutOptions) {
  return approvedCheckout(store, merchant, options, { placed: true });
}

/** A checkout whose credit hold was refused: its last event is Denied. */
export function deniedCheckout(
  store: EventStore,
  merchant: TestMerchant,
  options: Omit<CheckoutOptions, "orderId">,
) {
  return approvedCheckout(store, merchant, options, { placed: false, reason: "insufficient_limit" });
}

async function lastEventId(store: EventStore, streamId: string): Promise<string> {
  const [last] = await store.readStream(streamId, { direction: "backwards", maxCount: 1 });
  if (!last) throw new Error(`${streamId} is empty`);
  return last.eventId;
}
