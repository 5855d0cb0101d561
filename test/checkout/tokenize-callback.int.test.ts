import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { tokenizeSignatureKey } from "../../contracts/checkout/tokenize.ts";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { testCaller as caller } from "../../services/ledger/testing/decider-spec.ts";
import { Receiver, type Reply } from "../notifier/harness.ts";
import { SANDBOX_SERVER_KEY } from "../support/checkout-requests.ts";
import { eventually } from "../support/eventually.ts";
import { type LiveService, startLiveService } from "./lifecycle-support.ts";

// The tokenization callback (seed "Tokenize Kredivo Account", "Push Notif") against a real HTTP receiver on
// 127.0.0.1, through the composed runtime's notifier: only {"status": 9100} delivers; 9200, 9999 and a
// non-2xx are retried (milliseconds apart here, three attempts), then dead-lettered; the operator replays
// a dead letter through /v1/notifications once the receiver is back.

let live: LiveService | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await live?.close();
  await receiver?.close();
  live = undefined;
  receiver = undefined;
});

const reply = (status: number): Reply => ({ status: 200, body: { status, message: "from the merchant" } });

interface Attempt {
  round: number;
  attempt: number;
  httpStatus: number | null;
  outcome: string;
  error: string | null;
}
interface CallbackDelivery {
  deliveryId: string;
  status: string;
  source: string;
  tokenizationId: string;
  outcome: string;
  replays: number;
  attempts: Attempt[];
}

/** A tokenization whose callback goes to `callbackUrl`, the sandbox buyer signed in: its id and session. */
async function signedInTokenization(l: LiveService, callbackUrl: string) {
  const clientUserKey = `cb-${randomUUID()}`;
  const init = await l.client.kredivo("/user/tokenize/init", {
    client_user_key: clientUserKey,
    server_key: SANDBOX_SERVER_KEY,
    callback_url: callbackUrl,
    back_to_store_url: "https://api-merchant.io/user/tokenize",
    signature_key: tokenizeSignatureKey({ serverKey: SANDBOX_SERVER_KEY, clientUserKey, callbackUrl }),
  });
  const tokenizationId = new URL(String(init.tokenize_url)).searchParams.get("cid") ?? "";
  const { phone, pin } = SANDBOX_BUYER;
  const signedIn = await l.service.checkout!.tokenizationSignIn(tokenizationId, phone, pin, caller);
  return { tokenizationId, clientUserKey, session: signedIn.session ?? "" };
}

/** The sandbox buyer's tokenization, finished with the right OTP (success). */
async function tokenizeWithCallback(l: LiveService, callbackUrl: string) {
  const started = await signedInTokenization(l, callbackUrl);
  await l.service.checkout!.tokenizationVerifyOtp(
    started.tokenizationId,
    started.session,
    SANDBOX_BUYER.otp,
    caller,
  );
  return started;
}

/** The sandbox buyer's tokenization, failed with wrong OTPs until it ends (Max OTP Attempt). */
async function tokenizeFailed(l: LiveService, callbackUrl: string) {
  const started = await signedInTokenization(l, callbackUrl);
  let phase = "signed_in";
  while (phase !== "failed")
    phase = (
      await l.service.checkout!.tokenizationVerifyOtp(started.tokenizationId, started.session, "0000", caller)
    ).phase;
  return started;
}

/** The id of the tokenization's outcome event: the delivery id of its callback. */
async function outcomeEventId(l: LiveService, tokenizationId: string): Promise<string> {
  const events = await l.service.store.readStream(`tokenization-${tokenizationId}`);
  const outcome = events.filter((e) => e.type === "TokenizationSucceeded" || e.type === "TokenizationFailed");
  expect(outcome).toHaveLength(1);
  return outcome[0]!.eventId;
}

function untilDelivery(l: LiveService, deliveryId: string, status: string): Promise<CallbackDelivery> {
  return eventually(`callback ${deliveryId} to be ${status}`, async () => {
    const { status: http, json } = await l.client.operator("GET", `/notifications/${deliveryId}`);
    if (http === 404) return undefined;
    const delivery = json as unknown as CallbackDelivery;
    return delivery.status === status ? delivery : undefined;
  });
}

describe("the tokenization callback", () => {
  it("9200, then 9999, then 9100: retried with the same bytes until the 9100 delivers it", async () => {
    receiver = await new Receiver().replies(reply(9200), reply(9999), reply(9100)).listen();
    live = await startLiveService();
    const { tokenizationId, clientUserKey } = await tokenizeWithCallback(live, receiver.url);
    const deliveryId = await outcomeEventId(live, tokenizationId);

    const delivered = await untilDelivery(live, deliveryId, "delivered");
    expect(delivered).toMatchObject({
      source: "kredivo-tokenize-callback",
      tokenizationId,
      outcome: "success",
    });
    expect(delivered.attempts.map((a) => [a.attempt, a.httpStatus, a.outcome])).toEqual([
      [1, 200, "failed"],
      [2, 200, "failed"],
      [3, 200, "delivered"],
    ]);
    expect(delivered.attempts[0]!.error).toBe('reply is not JSON with "status": 9100');
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    expect(new Set(receiver.received.map((r) => r.headers["webhook-id"]))).toEqual(new Set([deliveryId]));
    const body = JSON.parse(receiver.received[0]!.body) as Record<string, unknown>;
    expect(body).toEqual({
      client_user_key: clientUserKey,
      user_token: (await live.service.checkout!.loadTokenization(tokenizationId)).requested.userToken,
      status: "success",
      message: "Tokenization Success",
    });
  });

  it("a non-2xx is retried; too many wrong OTPs send the failed callback without a user_token", async () => {
    receiver = await new Receiver().replies({ status: 500, body: { status: 9100 } }, reply(9100)).listen();
    live = await startLiveService();
    const { tokenizationId, clientUserKey } = await tokenizeFailed(live, receiver.url);
    const delivered = await untilDelivery(live, await outcomeEventId(live, tokenizationId), "delivered");
    expect(delivered.outcome).toBe("failed");
    expect(delivered.attempts.map((a) => [a.httpStatus, a.outcome])).toEqual([
      [500, "failed"],
      [200, "delivered"],
    ]);
    expect(JSON.parse(receiver.received[1]!.body)).toEqual({
      client_user_key: clientUserKey,
      status: "failed",
      message: "Max OTP Attempt",
    });
  });

  it("a receiver that is down: dead letter; it comes back, the operator replays, the 9100 delivers it", async () => {
    receiver = await new Receiver().replies(reply(9100)).reserveClosedPort();
    live = await startLiveService();
    const { tokenizationId } = await tokenizeWithCallback(live, receiver.url);
    const deliveryId = await outcomeEventId(live, tokenizationId);

    const dead = await untilDelivery(live, deliveryId, "dead");
    expect(dead.attempts).toHaveLength(3);
    for (const attempt of dead.attempts) expect(attempt.error).toMatch(/ECONNREFUSED/);
    const letters = await live.client.operator("GET", "/notifications/dead-letters");
    expect((letters.json.data as { deliveryId: string }[]).map((d) => d.deliveryId)).toContain(deliveryId);

    await receiver.listen(receiver.port);
    const replay = await live.client.operator("POST", `/notifications/dead-letters/${deliveryId}/replay`);
    expect(replay.status).toBe(202);
    const delivered = await untilDelivery(live, deliveryId, "delivered");
    expect(delivered.replays).toBe(1);
    expect(delivered.attempts.at(-1)).toMatchObject({ round: 1, attempt: 1, outcome: "delivered" });
    expect(receiver.received).toHaveLength(1);
  });
});
