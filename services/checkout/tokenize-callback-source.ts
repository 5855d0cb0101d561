import {
  TOKENIZE_CALLBACK_MESSAGES,
  type TokenizeCallback,
  tokenizeCallbackSchema,
} from "../../contracts/checkout/tokenize.ts";
import { streamKind } from "../../contracts/envelope.ts";
import { fold } from "../ledger/decider.ts";
import { merchantDecider, merchantStream } from "../ledger/merchant/merchant.decider.ts";
import { merchantCodec } from "../ledger/merchant/merchant.events.ts";
import { type TokenizationEvent, tokenizationCodec } from "../ledger/tokenization/tokenization.events.ts";
import {
  type DeliveryEvent,
  type DeliveryRequest,
  type DeliverySource,
  STATUS_9100_REPLY,
} from "../notifier/index.ts";
import type { EventStore } from "../platform/eventstore/port.ts";
import type { ReadStore } from "../platform/readstore/port.ts";
import type { SecretStore } from "../platform/secrets/port.ts";
import { type PushSecrets, pushSecrets } from "./push-secrets.ts";
import { readStream } from "./push-source.ts";
import { serverKeys } from "./server-keys.ts";

/** The tokenization events the merchant's callback_url hears about: its outcome. */
const OUTCOMES: ReadonlySet<string> = new Set(["TokenizationSucceeded", "TokenizationFailed"]);

/**
 * The tokenization callback of the Checkout API (seed 001 "Tokenize Kredivo Account", "Push Notif") to the
 * tokenization's callback_url: `status` success with the `user_token`, or failed with the reason in the
 * seed's words. Only `{"status": 9100}` acknowledges it; 9200, 9999 and anything else are retried, then
 * dead-lettered and replayable. Labelled with the tokenizationId and the outcome.
 */
export function tokenizeCallbackSource(
  store: EventStore,
  readStore: ReadStore,
  secretStore: SecretStore,
): DeliverySource {
  const secrets = pushSecrets(readStore, secretStore, serverKeys(secretStore));
  return {
    name: "kredivo-tokenize-callback",
    matches: (event) => streamKind(event.streamId) === "tokenization" && OUTCOMES.has(event.type),
    labels: (event) => ({
      tokenizationId: event.streamId.slice(event.streamId.indexOf("-") + 1),
      outcome: event.type === "TokenizationSucceeded" ? "success" : "failed",
    }),
    request: (event) => buildCallback(store, secrets, event),
    reply: STATUS_9100_REPLY,
  };
}

/**
 * The body comes from the tokenization stream alone, so every retry sends the same bytes; the
 * webhook-signature follows the merchant's current push signing setting, as the transaction push does.
 */
async function buildCallback(
  store: EventStore,
  secrets: PushSecrets,
  delivery: DeliveryEvent,
): Promise<DeliveryRequest> {
  const history = await readStream(store, delivery.streamId, tokenizationCodec);
  const trigger = history.find((e) => e.envelope.eventId === delivery.deliveryId)?.event;
  const requested = history[0]?.event;
  if (trigger === undefined) throw new Error(`event ${delivery.deliveryId} is not in ${delivery.streamId}`);
  if (requested?.type !== "TokenizationRequested")
    throw new Error(`${delivery.streamId} does not start with TokenizationRequested`);
  const merchantHistory = await readStream(store, merchantStream(requested.data.merchantId), merchantCodec);
  const merchant = fold(
    merchantDecider,
    merchantHistory.map((e) => e.event),
  ).profile;
  if (!merchant) throw new Error(`merchant ${requested.data.merchantId} is not registered`);
  const body = tokenizeCallbackSchema.parse(callbackOf(requested.data.clientUserKey, trigger));
  return {
    url: requested.data.callbackUrl,
    body: JSON.stringify(body),
    signingKey: await secrets.signingKeyOf(merchant),
  };
}

function callbackOf(clientUserKey: string, event: TokenizationEvent): TokenizeCallback {
  switch (event.type) {
    case "TokenizationSucceeded":
      return {
        client_user_key: clientUserKey,
        user_token: event.data.userToken,
        status: "success",
        message: TOKENIZE_CALLBACK_MESSAGES.success,
      };
    case "TokenizationFailed":
      return {
        client_user_key: clientUserKey,
        status: "failed",
        message: TOKENIZE_CALLBACK_MESSAGES[event.data.reason],
      };
    default:
      throw new Error(`${event.type} is not a tokenization outcome`);
  }
}
