import { createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { streamKind } from "../../contracts/envelope.ts";
import { checkoutPushSource } from "../../services/checkout/index.ts";
import { ANY_2XX, type DeliverySource } from "../../services/notifier/index.ts";
import { findAttempts } from "../../services/notifier/store.ts";
import { NOTIFIER } from "../../services/notifier/tables.ts";
import { pendingCheckout } from "../support/checkout-fixtures.ts";
import { eventually } from "../support/eventually.ts";
import { registerMerchant } from "../support/merchants.ts";
import { developmentSecrets } from "../support/secrets.ts";
import { OK, type Receiver, World } from "./harness.ts";

// The notifier knows no product: any source registered beside the Kredivo push is delivered with its own
// body, headers and reply rule, and the notifier's own guarantees (Standard Webhooks headers, retries,
// dead letters) hold for it too. The stand-in here welcomes each new merchant the way a partner webhook
// would be sent: Basic auth, any 2xx acknowledges.

const SIGNING_KEY = "partner-signing-key-0123";
const BASIC = `Basic ${Buffer.from("partner:secret").toString("base64")}`;

function welcomeSource(receiver: Receiver, name = "merchant-welcome"): DeliverySource {
  return {
    name,
    matches: (event) => streamKind(event.streamId) === "merchant" && event.type === "MerchantRegistered",
    labels: (event) => ({ merchantId: event.streamId.slice("merchant-".length) }),
    request: async (event) => ({
      url: receiver.url,
      body: JSON.stringify({ event: event.eventType, stream: event.streamId }),
      // A source may add its own auth, but never forge the notifier's Standard Webhooks headers.
      headers: { authorization: BASIC, "webhook-id": "forged" },
      signingKey: SIGNING_KEY,
    }),
    reply: ANY_2XX,
  };
}

let world: World;

/** A new merchant, and the id of its MerchantRegistered event (the delivery's id). */
async function newMerchant() {
  const merchant = await registerMerchant(world.store);
  const [registered] = await world.store.readStream(`merchant-${merchant.merchantId}`);
  return { merchant, registered: registered!.eventId };
}

beforeEach(() => {
  world = new World();
});
afterEach(async () => {
  await world.close();
});

describe("a delivery source beside the Kredivo push", () => {
  it("is delivered with its body, its auth and Standard Webhooks headers; a 204 without a body counts", async () => {
    const partner = await world.receiver().replies({ status: 204 }).listen();
    const merchantPushes = await world.receiver().listen();
    const notifier = await world.notifier({
      sources: [
        checkoutPushSource(world.store, world.readStore, developmentSecrets(world.readStore)),
        welcomeSource(partner),
      ],
    });
    const { merchant, registered } = await newMerchant();
    const checkout = await pendingCheckout(world.store, merchant, { pushUrl: merchantPushes.url });

    const delivery = await world.until(notifier, registered, "delivered");
    await world.until(notifier, checkout.eventId, "delivered");

    expect(delivery).toMatchObject({
      source: "merchant-welcome",
      streamId: `merchant-${merchant.merchantId}`,
      eventType: "MerchantRegistered",
      labels: { merchantId: merchant.merchantId },
      url: partner.url,
      attempts: 1,
    });
    expect(partner.received).toHaveLength(1);
    const [request] = partner.received;
    expect(JSON.parse(request!.body)).toEqual({
      event: "MerchantRegistered",
      stream: `merchant-${merchant.merchantId}`,
    });
    expect(request!.headers.authorization).toBe(BASIC);
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.headers["webhook-id"]).toBe(registered);
    const timestamp = request!.headers["webhook-timestamp"];
    const signed = createHmac("sha256", SIGNING_KEY)
      .update(`${registered}.${timestamp}.${request!.body}`)
      .digest("base64");
    expect(request!.headers["webhook-signature"]).toBe(`v1,${signed}`);
    expect(merchantPushes.received.map((r) => r.headers["webhook-id"])).toEqual([checkout.eventId]);
  });

  it("is retried on a non-2xx with the same bytes and webhook-id", async () => {
    const partner = await world.receiver().replies({ status: 502 }, { status: 202 }).listen();
    const notifier = await world.notifier({ sources: [welcomeSource(partner)] });
    const { registered } = await newMerchant();

    await world.until(notifier, registered, "delivered");

    expect(await findAttempts(world.readStore, registered)).toMatchObject([
      { attempt: 1, httpStatus: 502, error: "HTTP 502", outcome: "failed" },
      { attempt: 2, httpStatus: 202, error: null, outcome: "delivered" },
    ]);
    const [first, second] = partner.received;
    expect(second!.body).toBe(first!.body);
    expect(second!.headers["webhook-id"]).toBe(first!.headers["webhook-id"]);
  });

  it("whose request cannot be built from the log ends a dead letter that says why", async () => {
    const broken: DeliverySource = {
      ...welcomeSource(world.receiver()),
      request: async () => {
        throw new Error("the partner has no webhook URL");
      },
    };
    const notifier = await world.notifier({ sources: [broken] });
    const { registered } = await newMerchant();

    const delivery = await world.until(notifier, registered, "dead");

    expect(delivery).toMatchObject({
      attempts: 3,
      url: null,
      lastError: "request not built: the partner has no webhook URL",
    });
  });

  it("no longer registered after a restart: its deliveries are dead-lettered naming it, and replayed once it is back", async () => {
    const partner = await world.receiver().replies({ status: 200, hang: true }, OK).listen();
    const first = await world.notifier({ sources: [welcomeSource(partner)], timeoutMs: 30_000 });
    const { registered } = await newMerchant();
    await eventually("the first attempt to be in flight", () => partner.received.at(0));
    await first.stop();

    const without = await world.notifier({
      sources: [checkoutPushSource(world.store, world.readStore, developmentSecrets(world.readStore))],
    });
    const dead = await world.until(without, registered, "dead");
    expect(dead.lastError).toBe(
      "request not built: source merchant-welcome is not registered in this notifier",
    );
    await without.stop();

    const back = await world.notifier({ sources: [welcomeSource(partner)] });
    expect(await back.replay(registered)).toBe("replayed");
    await world.until(back, registered, "delivered");
    expect(partner.received).toHaveLength(2);
  });

  it("two sources claiming one event stop the outbox loudly and record nothing", async () => {
    const partner = world.receiver();
    await world.notifier({
      sources: [welcomeSource(partner), welcomeSource(partner, "merchant-welcome-again")],
    });
    await registerMerchant(world.store);

    const state = await eventually("the notifier to fail", async () => {
      const s = await world.readStore.projectionState(NOTIFIER);
      return s?.status === "failed" ? s : undefined;
    });
    expect(state.error).toMatch(/matches sources merchant-welcome, merchant-welcome-again/);
    expect(state.position).toBe("0");
    expect(await world.readStore.query("SELECT delivery_id FROM notifier_deliveries")).toEqual([]);
  });
});
