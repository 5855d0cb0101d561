import { type EventEnvelope, streamKind } from "../../contracts/envelope.ts";
import type { EventCodec } from "../../contracts/event-codec.ts";
import type { WEBHOOK_INVOICE_STATUSES } from "../../contracts/kredmint/invoice.ts";
import { invoiceWebhookSchema, userWebhookSchema } from "../../contracts/kredmint/webhook.ts";
import { money, renderCheckoutAmountAsNumber } from "../../contracts/money.ts";
import { fold } from "../ledger/decider.ts";
import { disbursalDecider } from "../ledger/disbursal/disbursal.decider.ts";
import { disbursalCodec } from "../ledger/disbursal/disbursal.events.ts";
import { partnerDecider, partnerStream } from "../ledger/partner/partner.decider.ts";
import { partnerCodec } from "../ledger/partner/partner.events.ts";
import { partnerUserDecider } from "../ledger/partneruser/partneruser.decider.ts";
import { partnerUserCodec } from "../ledger/partneruser/partneruser.events.ts";
import { ANY_2XX, type DeliveryEvent, type DeliveryRequest, type DeliverySource } from "../notifier/index.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import { streamEvents } from "../platform/eventstore/stream-events.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import type { HashedCredentials } from "../platform/secrets/hashed-credentials.ts";
import type { SecretStore } from "../platform/secrets/port.ts";
import { partnerSecrets } from "./partner-secrets.ts";
import { webhookCredentials } from "./webhook-credentials.ts";

/** The disbursal events that are a status the partner hears about (our Requested is not). */
const INVOICE_EVENTS: ReadonlyMap<string, (typeof WEBHOOK_INVOICE_STATUSES)[number]> = new Map([
  ["DisbursalInitiated", "Initiated"],
  ["DisbursalVerified", "Verified"],
  ["DisbursalApproved", "Approved"],
  ["DisbursalPaid", "Paid"],
  ["DisbursalFailed", "Failed"],
  ["DisbursalCancelled", "Cancelled"],
  ["DisbursalCompleted", "Completed"],
]);

/** The partner user events that change its state. */
const USER_EVENTS: ReadonlyMap<string, string> = new Map([
  ["FinancialDataUploaded", "UnderReview"],
  ["UserApproved", "Active"],
  ["UserRejected", "Rejected"],
]);

const isInvoiceEvent = (event: EventEnvelope) =>
  streamKind(event.streamId) === "disbursal" && INVOICE_EVENTS.has(event.type);
const isUserEvent = (event: EventEnvelope) =>
  streamKind(event.streamId) === "partneruser" && USER_EVENTS.has(event.type);

/**
 * The Partner API's webhooks (seed 000 "Webhooks") to the partner's webhook URL: `INVOICE` for every
 * disbursal status, `USER` for every user state change, with `Authorization: Basic` from the partner's webhook
 * credentials (kredmint_webhook_credentials, never in the log) beside the notifier's Standard Webhooks headers.
 * Any 2xx delivers. Labelled `webhookType` and `subjectStatus`.
 */
export function kredmintWebhookSource(
  store: EventStore,
  readStore: ReadStore,
  secretStore: SecretStore,
): DeliverySource {
  const credentials = webhookCredentials(readStore, secretStore);
  const { secrets } = partnerSecrets(secretStore);
  return {
    name: "kredmint-webhook",
    matches: (event) => isInvoiceEvent(event) || isUserEvent(event),
    labels: (event) =>
      isInvoiceEvent(event)
        ? { webhookType: "INVOICE", subjectStatus: INVOICE_EVENTS.get(event.type) ?? "" }
        : { webhookType: "USER", subjectStatus: USER_EVENTS.get(event.type) ?? "" },
    request: async (delivery) => {
      const built =
        streamKind(delivery.streamId) === "disbursal"
          ? await invoiceWebhook(store, delivery)
          : await userWebhook(store, delivery);
      return addressed(store, { credentials, secrets }, built.partnerId, built.body);
    },
    reply: ANY_2XX,
  };
}

/** Every event of one stream up to the delivery's own (its state as of the event), and that event. */
async function historyUpTo<E extends { type: string }>(
  store: EventStore,
  delivery: DeliveryEvent,
  codec: EventCodec<E>,
) {
  const events: E[] = [];
  let trigger: EventEnvelope | undefined;
  for await (const envelope of streamEvents(store, delivery.streamId)) {
    events.push(codec.decode(envelope));
    if (envelope.eventId === delivery.deliveryId) {
      trigger = envelope;
      break;
    }
  }
  if (!trigger) throw new Error(`event ${delivery.deliveryId} is not in ${delivery.streamId}`);
  // The business time of the change: the same on every retry.
  return { events, timestamp: Date.parse(trigger.occurredAt) };
}

const inr = (amountMinor: bigint) => renderCheckoutAmountAsNumber(money(amountMinor, "INR"));

async function invoiceWebhook(store: EventStore, delivery: DeliveryEvent) {
  const { events, timestamp } = await historyUpTo(store, delivery, disbursalCodec);
  const state = fold(disbursalDecider, events);
  const request = state.request;
  const status = INVOICE_EVENTS.get(delivery.eventType);
  if (!request || !status)
    throw new Error(`${delivery.streamId}: ${delivery.eventType} is no invoice webhook`);
  const body = invoiceWebhookSchema.parse({
    payload: {
      id: request.disbursalId,
      username: request.username,
      invoiceNumber: request.invoiceNumber,
      paymentDate: request.paymentDateMs,
      amount: inr(request.amountMinor),
      transactionId: state.transactionId,
      status,
      utr: state.utr,
      reason: state.reason,
    },
    type: "INVOICE",
    timestamp,
  });
  return { partnerId: request.partnerId, body };
}

async function userWebhook(store: EventStore, delivery: DeliveryEvent) {
  const { events, timestamp } = await historyUpTo(store, delivery, partnerUserCodec);
  const state = fold(partnerUserDecider, events);
  const identity = state.identity;
  if (!identity) throw new Error(`${delivery.streamId} has no user`);
  const decision = state.decision;
  const body = userWebhookSchema.parse({
    payload: {
      id: identity.userId,
      username: identity.mobile,
      state: state.state,
      creditLimit: decision && "approved" in decision ? inr(decision.approved) : null,
      reason: decision && "rejected" in decision ? decision.rejected : null,
    },
    type: "USER",
    timestamp,
  });
  return { partnerId: identity.partnerId, body };
}

/**
 * The partner's current webhook URL and credentials (so a replay after the partner fixed them reaches it);
 * the webhook-signature key is the partner's secret hash (hex SHA-256 of its Basic secret), as it holds it,
 * from the secret store.
 */
async function addressed(
  store: EventStore,
  {
    credentials,
    secrets,
  }: { credentials: ReturnType<typeof webhookCredentials>; secrets: HashedCredentials },
  partnerId: string,
  body: unknown,
): Promise<DeliveryRequest> {
  const events = [];
  for await (const envelope of streamEvents(store, partnerStream(partnerId))) {
    events.push(partnerCodec.decode(envelope));
  }
  const partner = fold(partnerDecider, events).profile;
  if (!partner) throw new Error(`partner ${partnerId} is not registered`);
  if (!partner.webhookUrl) throw new Error(`partner ${partnerId} has no webhook URL`);
  const basic = await credentials.get(partnerId);
  return {
    url: partner.webhookUrl,
    body: JSON.stringify(body),
    headers: basic === undefined ? {} : { authorization: `Basic ${Buffer.from(basic).toString("base64")}` },
    signingKey: await secrets.hashOf(partner.secretRef),
  };
}
