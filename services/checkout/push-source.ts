import { type FeeItemId, feeItemId } from "../../contracts/checkout/init.ts";
import type { PushTrxStatus } from "../../contracts/checkout/push.ts";
import { transactionPushSchema } from "../../contracts/checkout/push.ts";
import { type EventEnvelope, streamKind } from "../../contracts/envelope.ts";
import type { EventCodec } from "../../contracts/event-codec.ts";
import { money, renderCheckoutAmount } from "../../contracts/money.ts";
import { checkoutDecider } from "../ledger/checkout/checkout.decider.ts";
import { type CheckoutEvent, checkoutCodec, type InitiatedData } from "../ledger/checkout/checkout.events.ts";
import { fold } from "../ledger/decider.ts";
import { merchantDecider, merchantStream } from "../ledger/merchant/merchant.decider.ts";
import { merchantCodec } from "../ledger/merchant/merchant.events.ts";
import {
  type DeliveryEvent,
  type DeliveryRequest,
  type DeliverySource,
  STATUS_OK_REPLY,
} from "../notifier/index.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import { streamEvents } from "../platform/eventstore/stream-events.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import type { SecretStore } from "../platform/secrets/port.ts";
import { signatureKey } from "./credentials.ts";
import { type PushSecrets, pushSecrets } from "./push-secrets.ts";
import { type ServerKeys, serverKeys } from "./server-keys.ts";

/** The checkout events a merchant must hear about, and the push's trx_status for each. */
const PUSHED_EVENTS: ReadonlyMap<string, PushTrxStatus> = new Map([
  ["Pending", "pending"],
  ["Failed", "failed"],
  ["Denied", "denied"],
  ["Cancelled", "cancel"],
  ["Expired", "expired"],
]);

/**
 * Transaction pushes of the Checkout API (seed 001) to the checkout's push_url: the seed's body with its
 * `signature_key`, acknowledged only by `{"status": "OK"}`. Each delivery is labelled with its
 * transactionId and trxStatus, which the operator API shows. `readStore` holds merchants' dedicated push
 * secrets (push-secrets.ts).
 */
export function checkoutPushSource(
  store: EventStore,
  readStore: ReadStore,
  secretStore: SecretStore,
): DeliverySource {
  const keys = serverKeys(secretStore);
  const secrets = pushSecrets(readStore, secretStore, keys);
  return {
    name: "kredivo-push",
    matches: (event) => streamKind(event.streamId) === "checkout" && PUSHED_EVENTS.has(event.type),
    labels: (event) => ({
      transactionId: event.streamId.slice(event.streamId.indexOf("-") + 1),
      trxStatus: trxStatusOf(event.type),
    }),
    request: (event) => buildPush(store, keys, secrets, event),
    reply: STATUS_OK_REPLY,
  };
}

/**
 * Builds the push for one delivery from the log alone, as of its event: the checkout folded up to the
 * triggering event and the merchant folded up to that event's position. Later events (a settlement, a
 * server key rotation) therefore never change the body, so every retry sends the same bytes and the same
 * `signature_key`. Only the webhook-signature uses the merchant's current key: it authenticates this
 * attempt, and a receiver verifies it with the secret it holds today: by default the UTF-8 text of
 * hex(SHA-256(server_key)), the seed's signature_key key, so a merchant derives it from what it holds; or
 * its dedicated secret, or none, as its push signing setting says.
 */
async function buildPush(
  store: EventStore,
  keys: ServerKeys,
  secrets: PushSecrets,
  delivery: DeliveryEvent,
): Promise<DeliveryRequest> {
  const history = await readStream(store, delivery.streamId, checkoutCodec);
  const index = history.findIndex((e) => e.envelope.eventId === delivery.deliveryId);
  if (index === -1) throw new Error(`event ${delivery.deliveryId} is not in ${delivery.streamId}`);
  const trigger = history[index]!.event;
  const state = fold(
    checkoutDecider,
    history.slice(0, index + 1).map((e) => e.event),
  );
  const initiated = state.initiated;
  if (!initiated) throw new Error(`${delivery.streamId} has no Initiated event`);

  const merchantHistory = await readStream(store, merchantStream(initiated.merchantId), merchantCodec);
  const asOf = BigInt(delivery.eventPosition);
  const merchantThen = fold(
    merchantDecider,
    merchantHistory.filter((e) => BigInt(e.envelope.position) <= asOf).map((e) => e.event),
  ).profile;
  const merchantNow = fold(
    merchantDecider,
    merchantHistory.map((e) => e.event),
  ).profile;
  if (!merchantThen || !merchantNow) throw new Error(`merchant ${initiated.merchantId} is not registered`);

  const tenure = state.tenure ?? initiated.tenure;
  const amount = money(initiated.amountMinor, "VND");
  // No checkout-page discount exists yet, so the whole amount is disbursed.
  const discount = money(0n, "VND");
  const push = transactionPushSchema.parse({
    amount: renderCheckoutAmount(amount),
    discount_amount: renderCheckoutAmount(discount),
    disbursed_amount: renderCheckoutAmount(money(amount.amountMinor - discount.amountMinor, "VND")),
    tenure,
    trx_status: trxStatusOf(trigger.type),
    order_id: initiated.orderId,
    transaction_time: Math.floor(Date.parse(initiated.initiatedAt) / 1000),
    transaction_id: initiated.transactionId,
    signature_key: signatureKey(await keys.hashOf(merchantThen.serverKeyRef), {
      transactionId: initiated.transactionId,
      orderId: initiated.orderId,
      amountMinor: initiated.amountMinor,
      tenure,
    }),
    message: pushMessage(trigger),
    ...(initiated.source === "offline" ? offlineFields(initiated) : {}),
  });
  return {
    url: initiated.pushUrl,
    body: JSON.stringify(push),
    signingKey: await secrets.signingKeyOf(merchantNow),
  };
}

/**
 * An offline push, as the seed's offline example has it, also carries `metadata` (what init sent, `{}` when
 * it sent none) and `total_downpayment`: what the buyer pays the merchant directly, the downpayment items
 * init listed (the amount financed is already net of them, so disbursed_amount does not deduct them again).
 */
const DOWNPAYMENT_ITEM_IDS: readonly FeeItemId[] = ["downpayment", "downpayment_sku"];

function offlineFields(initiated: InitiatedData) {
  const downpaymentMinor = initiated.items
    .filter((item) => DOWNPAYMENT_ITEM_IDS.some((id) => id === feeItemId(item.id)))
    .reduce((sum, item) => sum - item.priceMinor * BigInt(item.quantity), 0n);
  return {
    total_downpayment: renderCheckoutAmount(money(downpaymentMinor, "VND")),
    metadata: initiated.metadata ?? {},
  };
}

function trxStatusOf(eventType: string): PushTrxStatus {
  const trxStatus = PUSHED_EVENTS.get(eventType);
  if (trxStatus === undefined) throw new Error(`${eventType} is not a pushed event`);
  return trxStatus;
}

/** The seed's wording for pending; failures, denials and cancellations say why in plain words. */
function pushMessage(event: CheckoutEvent): string {
  switch (event.type) {
    case "Pending":
      return "pending merchant’s confirmation";
    case "Failed":
      return event.data.reason === "confirmation_timeout"
        ? "transaction failed: the merchant did not confirm in time"
        : "transaction failed: the merchant reported a failure";
    case "Denied":
      return `transaction denied: ${event.data.reason.replaceAll("_", " ")}`;
    case "Expired":
      return "transaction expired: not completed before its expiry time";
    case "Cancelled": {
      const { amountMinor, remainingMinor, reason } = event.data;
      const cancelled = renderCheckoutAmount(money(amountMinor, "VND"));
      return remainingMinor === 0n
        ? `transaction cancelled: ${cancelled} cancelled, nothing left (${reason})`
        : `transaction partially cancelled: ${cancelled} cancelled, ${renderCheckoutAmount(money(remainingMinor, "VND"))} left (${reason})`;
    }
    default:
      return "";
  }
}

/** One stream of the log, each event with its envelope (the tokenization callback builds from it too). */
export async function readStream<E extends { type: string }>(
  store: EventStore,
  streamId: string,
  codec: EventCodec<E>,
): Promise<{ envelope: EventEnvelope; event: E }[]> {
  const events: { envelope: EventEnvelope; event: E }[] = [];
  for await (const envelope of streamEvents(store, streamId))
    events.push({ envelope, event: codec.decode(envelope) });
  return events;
}
