// No secret in the log (docs/guarantees.md SK1): the event log is published to Kafka, so nothing in it, in
// what Kafka carries or in the service's log lines may let a reader act as someone else. One full run of the
// embedded service, with the in-process publisher to a real broker (test/support/kafka.ts), does everything
// that makes or checks a credential: merchants onboarded (one with a dedicated push secret), a server key
// rotated, a buyer registered whose PIN is set through its link, buyers signing in on the hosted page with
// PIN and OTP, two checkouts pushed and confirmed with their signature_key, a partner registered and calling
// with Basic auth (and a wrong secret). Then every stored event, every Kafka message (key, headers, value)
// and every log line is searched for each secret as it is, in base64 and as its SHA-256 hex.

import { createHash, randomUUID } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EventEnvelope, streamKind } from "../../contracts/envelope.ts";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { SANDBOX_OTP } from "../../services/platform/otp/sandbox-otp-sender.ts";
import { topicFor } from "../../services/publisher/topics.ts";
import { type CheckoutHarness, startCheckoutHarness } from "../checkout/harness.ts";
import { browser, pageUrl } from "../checkout/hosted-page-support.ts";
import { waitForPush } from "../checkout/lifecycle-support.ts";
import { LENDER_API_KEYS, onboardMerchant, v1 } from "../lender/support.ts";
import { Receiver } from "../notifier/harness.ts";
import { deleteTopics } from "../production/support.ts";
import { initRequest, nextOrder, SANDBOX_SERVER_KEY } from "../support/checkout-requests.ts";
import { eventually } from "../support/eventually.ts";
import { type KafkaBrokers, kafkaBrokers } from "../support/kafka.ts";
import { submitPinLink } from "../support/pin-link.ts";

const RUN = randomUUID().slice(0, 8);
const PREFIX = `scan${RUN}.payments`;
const SANDBOX_PARTNER_SECRET = "sandbox-partner-secret-5e8a1c";
const SANDBOX_PARTNER_CLIENT_TOKEN = "sandbox-client-token-3b7d90";
/** A PIN no id, hash or time of this run contains as a whole token. */
const BUYER_PIN = "918273";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const base64 = (text: string) => Buffer.from(text).toString("base64");

interface Secret {
  readonly what: string;
  readonly value: string;
  /**
   * A random one-time token the log names by its SHA-256 (a PIN link): the hash finds the link and cannot
   * open it, so it may be there (docs/secrets.md "What the log may hold"); the token itself may not.
   */
  readonly namedByHash?: true;
}

/**
 * The forms a secret could leak in: itself, base64, and its SHA-256 hex (a server key's is the push signing
 * key, a partner secret's the webhook signing key). A short one (a PIN, an OTP) is looked for as a whole token, not inside a longer run of letters or
 * digits, where any 4 digits turn up by chance.
 */
function leaksOf(secret: Secret): { what: string; pattern: RegExp }[] {
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const token = (text: string) =>
    secret.value.length < 12
      ? new RegExp(`(?<![0-9A-Za-z])${literal(text)}(?![0-9A-Za-z])`)
      : new RegExp(literal(text));
  return [
    { what: `${secret.what} in the clear`, pattern: token(secret.value) },
    {
      what: `${secret.what} in base64`,
      pattern: new RegExp(literal(base64(secret.value).replace(/=+$/, ""))),
    },
    ...(secret.namedByHash
      ? []
      : [{ what: `${secret.what}'s SHA-256`, pattern: new RegExp(sha256(secret.value), "i") }]),
  ];
}

/** Every leak of every secret in `texts`, as "<where>: <what>". */
function leaks(where: string, texts: readonly string[], secrets: readonly Secret[]): string[] {
  const found: string[] = [];
  for (const secret of secrets) {
    for (const { what, pattern } of leaksOf(secret)) {
      const index = texts.findIndex((text) => pattern.test(text));
      if (index !== -1) found.push(`${where} #${index}: ${what}: ${texts[index]!.slice(0, 300)}`);
    }
  }
  return found;
}

let kafka: KafkaBrokers | undefined;
let h: CheckoutHarness | undefined;
let receiver: Receiver | undefined;

beforeAll(async () => {
  kafka = await kafkaBrokers();
  receiver = await new Receiver().listen();
  h = await startCheckoutHarness({
    env: {
      API_KEYS: `${LENDER_API_KEYS},scan-operator-key-0123456789:operator`,
      KAFKA_BROKERS: kafka.brokers.join(","),
      KAFKA_TOPIC_PREFIX: PREFIX,
      KAFKA_TOPIC_PARTITIONS: "1",
      CONFIRM_TIMEOUT_SECONDS: "30",
      NOTIFY_FIRST_RETRY_MS: "50",
      LOG_LEVEL: "trace",
    },
  });
}, 300_000);

afterAll(async () => {
  await h?.close();
  await receiver?.close();
  if (kafka) await deleteTopics(kafka.brokers, PREFIX).catch(() => {});
  await kafka?.stop?.();
});

/** The hosted page through inject(): sign in with `phone` and `pin`, then the OTP; answers the browser. */
async function signInOnPage(transactionId: string, phone: string, pin: string, otp: string) {
  const b = browser(h!.app);
  await b.get(pageUrl(transactionId));
  expect((await b.submit("sign-in", { phone, pin })).statusCode).toBe(303);
  await b.get(pageUrl(transactionId));
  expect((await b.submit("otp", { otp })).statusCode).toBe(303);
  return b;
}

/** checkout/init by `serverKey`, approved on the page by the sandbox buyer, confirmed with the push's key. */
async function checkoutPushedAndSettled(serverKey: string) {
  const res = await h!.post(
    "/checkout/init",
    initRequest(nextOrder("SCAN"), receiver!.url, { server_key: serverKey }),
  );
  const transactionId = String((res.json() as { transaction_id: string }).transaction_id);
  const b = await signInOnPage(transactionId, SANDBOX_BUYER.phone, SANDBOX_BUYER.pin, SANDBOX_BUYER.otp);
  await b.get(pageUrl(transactionId));
  expect((await b.submit("approve", { tenure: "1" })).statusCode).toBe(303);
  const push = await waitForPush(receiver!, transactionId, "pending");
  const updated = await h!.post("/checkout/update", {
    signature_key: push.signature_key,
    transaction_id: transactionId,
    status: "settled",
  });
  expect((updated.json() as { status: string }).status).toBe("settlement");
  return push;
}

/** Every event of the log, as stored (the envelope the publisher sends). */
async function wholeLog(): Promise<EventEnvelope[]> {
  const events: EventEnvelope[] = [];
  for (;;) {
    const page = await h!.store.readAll({ after: events.at(-1)?.position ?? "0", maxCount: 1000 });
    if (page.length === 0) return events;
    events.push(...page);
  }
}

/** Every message on the topics of `events`, from the beginning, once at least as many as events have arrived. */
async function kafkaMessages(events: readonly EventEnvelope[]): Promise<string[]> {
  const client = new Kafka({ clientId: `scan-${RUN}`, brokers: kafka!.brokers, logLevel: logLevel.NOTHING });
  const admin = client.admin();
  await admin.connect();
  // A stream kind's topic is made when the publisher first sees one of its events.
  const topics = [...new Set(events.map((e) => topicFor(streamKind(e.streamId), PREFIX)))];
  await eventually(
    "the publisher's topics",
    async () => {
      const existing = new Set(await admin.listTopics());
      return topics.every((t) => existing.has(t)) ? true : undefined;
    },
    60_000,
  );
  await admin.disconnect();
  const count = events.length;
  const consumer = client.consumer({ groupId: `scan-${RUN}` });
  const messages: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const headers = Object.entries(message.headers ?? {}).map(([k, v]) => `${k}=${String(v)}`);
      messages.push(`${topic} ${String(message.key)} ${headers.join(" ")} ${String(message.value)}`);
    },
  });
  try {
    await eventually(
      `${count} messages on ${PREFIX}.*`,
      () => (messages.length >= count ? true : undefined),
      60_000,
    );
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

describe("a full run", () => {
  it("leaves no server key, push secret, PIN, OTP or Basic credential in the log, on Kafka or in the log lines", async () => {
    // Merchants: one signing pushes with its server key's hash (rotated), one with a dedicated secret.
    const plain = await onboardMerchant(h!, "Scan Plain");
    const dedicated = await onboardMerchant(h!, "Scan Dedicated", {
      pushSigning: { standardWebhooks: "dedicated_secret" },
    });
    const { webhookSecret } = dedicated as typeof dedicated & { webhookSecret: string };
    const rotation = await v1(h!, "POST", `/merchants/${plain.merchantId}/server-key/rotate`, {
      overlapSeconds: 600,
      reason: "scan",
    });
    expect(rotation.statusCode).toBe(200);
    const rotatedKey = rotation.json<{ serverKey: string }>().serverKey;

    // A buyer registered by phone, who sets the PIN through the link and signs in with it and an OTP.
    const buyer = await v1(h!, "POST", "/buyers", { phone: `77${RUN.replace(/\D/g, "7").padEnd(8, "7")}` });
    expect(buyer.statusCode).toBe(201);
    const { userId, phone } = buyer.json<{ userId: string; phone: string }>();
    const link = await v1(h!, "POST", `/buyers/${userId}/pin-link`, {});
    const linkToken = new URL(link.json<{ url: string }>().url).pathname.split("/").at(-1)!;
    const set = await submitPinLink(h!.app, link.json<{ url: string }>().url, BUYER_PIN);
    expect(set.statusCode).toBe(200);

    // Pushes signed both ways, confirmed with their signature_key; the new buyer signs in on a checkout.
    await checkoutPushedAndSettled(rotatedKey);
    await checkoutPushedAndSettled(dedicated.serverKey);
    const init = await h!.post(
      "/checkout/init",
      initRequest(nextOrder("SCAN"), receiver!.url, { server_key: plain.serverKey }),
    );
    await signInOnPage(
      String((init.json() as { transaction_id: string }).transaction_id),
      phone,
      BUYER_PIN,
      SANDBOX_OTP.kredivo,
    );

    // A partner with Basic credentials, calling right and wrong.
    const partnerId = `scan-${RUN}`;
    const partner = await v1(
      h!,
      "POST",
      "/partners",
      { partnerId, name: "Scan Partner", allowedSources: ["MOS"], webhookAuth: `hook-user:hook-pass-${RUN}` },
      "scan-operator-key-0123456789",
    );
    expect(partner.statusCode).toBe(201);
    const { secret, clientToken } = partner.json<{ secret: string; clientToken: string }>();
    const eligibility = (password: string) =>
      h!.app.inject({
        method: "POST",
        url: "/kredmint/user/eligibility",
        headers: {
          "content-type": "application/json",
          authorization: `Basic ${base64(`${partnerId}:${password}`)}`,
        },
        payload: JSON.stringify({ username: "9819413273", page: "profile", source: "MOS" }),
      });
    expect((await eligibility(secret)).statusCode).toBe(200);
    expect((await eligibility(`${secret}-wrong`)).statusCode).toBe(401);

    const secrets: Secret[] = [
      { what: "the sandbox server key", value: SANDBOX_SERVER_KEY },
      { what: "a server key", value: plain.serverKey },
      { what: "a rotated server key", value: rotatedKey },
      { what: "a dedicated merchant's server key", value: dedicated.serverKey },
      { what: "a push secret", value: webhookSecret },
      { what: "a push secret's key", value: webhookSecret.slice("whsec_".length) },
      { what: "a PIN link token", value: linkToken, namedByHash: true },
      { what: "a buyer's PIN", value: BUYER_PIN },
      { what: "the sandbox buyer's PIN", value: SANDBOX_BUYER.pin },
      { what: "an OTP", value: SANDBOX_OTP.kredivo },
      { what: "a partner secret", value: secret },
      { what: "a partner's client token", value: clientToken },
      { what: "a partner's Basic credentials", value: `${partnerId}:${secret}` },
      { what: "the sandbox partner secret", value: SANDBOX_PARTNER_SECRET },
      { what: "the sandbox partner's client token", value: SANDBOX_PARTNER_CLIENT_TOKEN },
      { what: "a partner's webhook credentials", value: `hook-user:hook-pass-${RUN}` },
    ];

    const events = await wholeLog();
    const messages = await kafkaMessages(events);
    const logLines = h!.logs.map((line) => JSON.stringify(line));
    expect(events.length).toBeGreaterThan(20);
    expect(logLines.length).toBeGreaterThan(20);
    console.log(
      `secrets scan: ${secrets.length} secrets, up to 3 forms each, over ${events.length} events, ${messages.length} Kafka messages, ${logLines.length} log lines`,
    );
    expect([
      ...leaks(
        "event",
        events.map((e) => JSON.stringify(e)),
        secrets,
      ),
      ...leaks("kafka", messages, secrets),
      ...leaks("log line", logLines, secrets),
    ]).toEqual([]);
  }, 240_000);
});
