import { createHash, createHmac, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LiveService, OPERATOR_KEY, startLiveService } from "../checkout/lifecycle-support.ts";
import { type Received, Receiver } from "../notifier/harness.ts";
import { initRequest } from "../support/checkout-requests.ts";
import { eventually } from "../support/eventually.ts";
import { bearer } from "../support/http.ts";
import { developmentSecrets } from "../support/secrets.ts";
import { ADMIN_KEY } from "./support.ts";

// How each merchant's pushes are signed, chosen at registration and changed by an admin (README "Push
// signing"), verified as a merchant would: a real receiver on 127.0.0.1 checks the Standard Webhooks
// signature with nothing but what the merchant was given (its server_key, or its whsec_ secret). Every
// checkout expires after a second (CHECKOUT_EXPIRY_SECONDS), so its `expired` push comes without a buyer.

let live: LiveService;
let receiver: Receiver;
beforeAll(async () => {
  receiver = await new Receiver().listen();
  live = await startLiveService({
    CHECKOUT_EXPIRY_SECONDS: "1",
    API_KEYS: `${OPERATOR_KEY}:operator,${ADMIN_KEY}:admin`,
  });
});
afterAll(async () => {
  await live?.close();
  await receiver?.close();
});

interface Merchant {
  readonly merchantId: string;
  readonly serverKey: string;
  readonly webhookSecret?: string;
  readonly pushSigning: { standardWebhooks: string };
}

async function admin(
  path: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${live.url}/v1${path}`, {
    method: "POST",
    headers: { ...bearer(ADMIN_KEY), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function onboard(pushSigning?: { standardWebhooks: string }): Promise<Merchant> {
  const { status, json } = await admin("/merchants", {
    name: `Signing ${randomUUID().slice(0, 6)}`,
    feeRateBps: 150,
    ...(pushSigning ? { pushSigning } : {}),
  });
  expect(status).toBe(201);
  return json as unknown as Merchant;
}

/** Starts a checkout for the merchant and waits for its `expired` push. */
async function expiredPush(merchant: Merchant): Promise<Received> {
  const orderId = `PS-${randomUUID().slice(0, 8)}`;
  const { transactionId } = await live.client.init(
    initRequest(orderId, receiver.url, { server_key: merchant.serverKey }),
  );
  return eventually(`the expired push of ${transactionId}`, () =>
    receiver.received.find((r) => JSON.parse(r.body).transaction_id === transactionId),
  );
}

// ---------------------------------------------------------------------------- what the merchant checks

const hmacBase64 = (key: string | Buffer, text: string) =>
  createHmac("sha256", key).update(text).digest("base64");

/** The Standard Webhooks check: `v1,` + base64 HMAC-SHA256 of "<id>.<timestamp>.<body>" under `key`. */
function webhookSignatureValid(push: Received, key: string | Buffer): boolean {
  const id = String(push.headers["webhook-id"]);
  const timestamp = String(push.headers["webhook-timestamp"]);
  const expected = `v1,${hmacBase64(key, `${id}.${timestamp}.${push.body}`)}`;
  return String(push.headers["webhook-signature"]).split(" ").includes(expected);
}

/** The key of the server_key_hash setting: the UTF-8 text of hex(SHA-256(server_key)). */
const serverKeyHashKey = (serverKey: string) => createHash("sha256").update(serverKey).digest("hex");

/** A Standard Webhooks library's key of a `whsec_` secret: the bytes its base64 encodes. */
const secretKey = (webhookSecret: string) => Buffer.from(webhookSecret.slice("whsec_".length), "base64");

/** The seed's body signature, always keyed with the server key's hash whatever the setting. */
function seedSignatureValid(push: Received, serverKey: string): boolean {
  const body = JSON.parse(push.body) as Record<string, string | number>;
  const amount = String(body.amount).replace(/\.0$/, "");
  const text = `${body.transaction_id}|${body.order_id}|${amount}|${body.tenure}`;
  return body.signature_key === hmacBase64(serverKeyHashKey(serverKey), text);
}

describe("push signing chosen at registration", () => {
  it("server_key_hash (the default): keyed with hex(SHA-256(server_key)), as the sandbox merchant is", async () => {
    const merchant = await onboard();
    expect(merchant.pushSigning).toEqual({ standardWebhooks: "server_key_hash" });
    expect(merchant).not.toHaveProperty("webhookSecret");
    const push = await expiredPush(merchant);
    expect(JSON.parse(push.body).trx_status).toBe("expired");
    expect(webhookSignatureValid(push, serverKeyHashKey(merchant.serverKey))).toBe(true);
    expect(seedSignatureValid(push, merchant.serverKey)).toBe(true);

    const sandbox = await fetch(`${live.url}/v1/merchants/sandbox-merchant`, { headers: bearer(ADMIN_KEY) });
    expect(await sandbox.json()).toMatchObject({ pushSigning: { standardWebhooks: "server_key_hash" } });
  });

  it("dedicated_secret: a whsec_ secret shown once, which verifies the push; the server key's hash does not", async () => {
    const merchant = await onboard({ standardWebhooks: "dedicated_secret" });
    expect(merchant.webhookSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const read = await fetch(`${live.url}/v1/merchants/${merchant.merchantId}`, {
      headers: bearer(ADMIN_KEY),
    });
    const view = await read.text();
    expect(view).not.toContain(merchant.webhookSecret);
    expect(JSON.parse(view)).toMatchObject({ pushSigning: { standardWebhooks: "dedicated_secret" } });

    const push = await expiredPush(merchant);
    expect(webhookSignatureValid(push, secretKey(merchant.webhookSecret!))).toBe(true);
    expect(webhookSignatureValid(push, serverKeyHashKey(merchant.serverKey))).toBe(false);
    expect(seedSignatureValid(push, merchant.serverKey)).toBe(true);
  });

  it("off: no webhook-signature, the id and timestamp still sent, the seed's signature_key unchanged", async () => {
    const merchant = await onboard({ standardWebhooks: "off" });
    const push = await expiredPush(merchant);
    expect(push.headers).not.toHaveProperty("webhook-signature");
    expect(push.headers["webhook-id"]).toBeTruthy();
    expect(push.headers["webhook-timestamp"]).toMatch(/^\d+$/);
    expect(seedSignatureValid(push, merchant.serverKey)).toBe(true);
  });

  it("an unknown setting is 400 and registers nothing", async () => {
    const { status } = await admin("/merchants", {
      name: "Bad",
      feeRateBps: 1,
      pushSigning: { standardWebhooks: "md5" },
    });
    expect(status).toBe(400);
  });
});

describe("push signing changed by an admin", () => {
  it("rotates a dedicated secret: the next push verifies with the new one only; the log holds neither", async () => {
    const merchant = await onboard({ standardWebhooks: "dedicated_secret" });
    const rotated = await admin(`/merchants/${merchant.merchantId}/push-signing`, {
      standardWebhooks: "dedicated_secret",
      reason: "secret leaked",
    });
    expect(rotated.status).toBe(200);
    const newSecret = String(rotated.json.webhookSecret);
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(merchant.webhookSecret);

    const push = await expiredPush(merchant);
    expect(webhookSignatureValid(push, secretKey(newSecret))).toBe(true);
    expect(webhookSignatureValid(push, secretKey(merchant.webhookSecret!))).toBe(false);

    const events = await live.service.store.readStream(`merchant-${merchant.merchantId}`);
    const change = events.find((e) => e.type === "PushSigningChanged");
    expect(change?.actor).toMatch(/^admin:key-[0-9a-f]{12}$/);
    expect(change?.data).toMatchObject({
      pushSigning: { standardWebhooks: "dedicated_secret" },
      reason: "secret leaked",
    });
    for (const secret of [merchant.webhookSecret!, newSecret]) {
      expect(JSON.stringify(events)).not.toContain(secret);
      expect(JSON.stringify(events)).not.toContain(secret.slice("whsec_".length));
      expect(JSON.stringify(live.logs)).not.toContain(secret.slice("whsec_".length));
    }
    // Outside the log only the secret in use is kept, sealed: the replaced one is gone.
    const refOf = (data: unknown) => (data as { pushSigning: { secretRef: string } }).pushSigning.secretRef;
    const secrets = developmentSecrets(live.service.readStore);
    expect(await secrets.get(refOf(events[0]!.data))).toBeUndefined();
    expect(await secrets.get(refOf(change!.data))).toBe(newSecret);
    const table = JSON.stringify(await live.service.readStore.query("SELECT * FROM secrets"));
    expect(table).not.toContain(newSecret.slice("whsec_".length));
  });

  it("switches a merchant from its server key's hash to off and back", async () => {
    const merchant = await onboard();
    const off = await admin(`/merchants/${merchant.merchantId}/push-signing`, {
      standardWebhooks: "off",
      reason: "receiver cannot verify",
    });
    expect(off.json).toMatchObject({ pushSigning: { standardWebhooks: "off" } });
    expect(off.json).not.toHaveProperty("webhookSecret");
    expect((await expiredPush(merchant)).headers).not.toHaveProperty("webhook-signature");

    await admin(`/merchants/${merchant.merchantId}/push-signing`, {
      standardWebhooks: "server_key_hash",
      reason: "receiver verifies again",
    });
    const push = await expiredPush(merchant);
    expect(webhookSignatureValid(push, serverKeyHashKey(merchant.serverKey))).toBe(true);
  });

  it("an unknown merchant is 404 merchant_not_found; no reason is 400", async () => {
    const unknown = await admin("/merchants/mer-0000000000000000/push-signing", {
      standardWebhooks: "off",
      reason: "x",
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ code: "merchant_not_found" });
    const merchant = await onboard();
    const noReason = await admin(`/merchants/${merchant.merchantId}/push-signing`, {
      standardWebhooks: "off",
    });
    expect(noReason.status).toBe(400);
  });
});
