import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildApp } from "../../services/http/app.ts";
import { type Notifier, notifierHttp } from "../../services/notifier/index.ts";
import { pendingCheckout } from "../support/checkout-fixtures.ts";
import { alwaysReady, bearer } from "../support/http.ts";
import { registerMerchant, type TestMerchant } from "../support/merchants.ts";
import { type Receiver, silent, World } from "./harness.ts";

// The operator API under /v1, driven through the real app factory with inject().

const OPERATOR = "op-key-0123456789";
const FINANCE = "fin-key-0123456789";

let world: World;
let notifier: Notifier;
let app: Awaited<ReturnType<typeof buildApp>>;
let merchant: TestMerchant;

beforeEach(async () => {
  world = new World();
  notifier = await world.notifier();
  app = await buildApp({
    logger: silent,
    readiness: alwaysReady,
  });
  await app.register(
    notifierHttp({
      readStore: world.readStore,
      notifier,
      apiKeys: [
        { key: OPERATOR, roles: ["operator"] },
        { key: FINANCE, roles: ["finance"] },
      ],
    }),
  );
  merchant = await registerMerchant(world.store);
});
afterEach(async () => {
  await app.close();
  await world.close();
});

async function deadLetter(receiver: Receiver) {
  const checkout = await pendingCheckout(world.store, merchant, { pushUrl: receiver.url });
  await world.until(notifier, checkout.eventId, "dead");
  return checkout;
}

describe("/v1/notifications", () => {
  it("lists a dead letter, replays it once the receiver is up, and shows every attempt", async () => {
    const receiver = await world.receiver().reserveClosedPort();
    const checkout = await deadLetter(receiver);

    const list = await app.inject({
      method: "GET",
      url: "/v1/notifications/dead-letters",
      headers: bearer(OPERATOR),
    });
    expect(list.statusCode).toBe(200);
    expect(list.json().data).toMatchObject([
      {
        deliveryId: checkout.eventId,
        transactionId: checkout.transactionId,
        status: "dead",
        attemptCount: 3,
      },
    ]);

    await receiver.listen(receiver.port);
    const replay = await app.inject({
      method: "POST",
      url: `/v1/notifications/dead-letters/${checkout.eventId}/replay`,
      headers: bearer(OPERATOR),
    });
    expect(replay.statusCode).toBe(202);
    expect(replay.json()).toMatchObject({ status: "pending", attemptCount: 0, replays: 1 });

    await world.until(notifier, checkout.eventId, "delivered");
    expect(receiver.received).toHaveLength(1);
    const detail = await app.inject({
      method: "GET",
      url: `/v1/notifications/${checkout.eventId}`,
      headers: bearer(OPERATOR),
    });
    expect(detail.statusCode).toBe(200);
    expect(detail.json()).toMatchObject({
      status: "delivered",
      attemptCount: 1,
      replays: 1,
      attempts: [
        { round: 0, attempt: 1, outcome: "failed" },
        { round: 0, attempt: 2, outcome: "failed" },
        { round: 0, attempt: 3, outcome: "failed" },
        { round: 1, attempt: 1, outcome: "delivered", httpStatus: 200 },
      ],
    });
    const after = await app.inject({
      method: "GET",
      url: "/v1/notifications/dead-letters",
      headers: bearer(OPERATOR),
    });
    expect(after.json().data).toEqual([]);
  });

  it("answers 401 without a key or with an unknown one, as problem details", async () => {
    for (const headers of [{}, bearer("nope-0123456789")]) {
      const res = await app.inject({ method: "GET", url: "/v1/notifications/dead-letters", headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(res.headers["www-authenticate"]).toMatch(/^Bearer/);
      expect(res.json()).toEqual({
        type: expect.stringMatching(/^\/problems\/api_key_/),
        title: "Unauthorized",
        status: 401,
        detail: expect.any(String),
        code: "authorization" in headers ? "api_key_invalid" : "api_key_missing",
        param: "Authorization",
        requestId: res.headers["request-id"],
      });
    }
  });

  it("answers 403 to a key without the operator role", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/v1/notifications/dead-letters/whatever/replay",
      headers: bearer(FINANCE),
    });
    expect(res.statusCode).toBe(403);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      status: 403,
      code: "role_required",
      requestId: res.headers["request-id"],
    });
  });

  it("answers 404 for an unknown delivery", async () => {
    for (const [method, url] of [
      ["GET", "/v1/notifications/0190f5a0-0000-7000-8000-000000000000"],
      ["POST", "/v1/notifications/dead-letters/0190f5a0-0000-7000-8000-000000000000/replay"],
    ] as const) {
      const res = await app.inject({
        method,
        url,
        headers: { ...bearer(OPERATOR), "request-id": "req-404" },
      });
      expect(res.statusCode).toBe(404);
      expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({
        status: 404,
        code: "delivery_not_found",
        param: "deliveryId",
        requestId: "req-404",
      });
    }
  });

  it("answers 409 to a replay of a delivery that is not dead", async () => {
    const receiver = await world.receiver().listen();
    const checkout = await pendingCheckout(world.store, merchant, { pushUrl: receiver.url });
    await world.until(notifier, checkout.eventId, "delivered");

    const res = await app.inject({
      method: "POST",
      url: `/v1/notifications/dead-letters/${checkout.eventId}/replay`,
      headers: bearer(OPERATOR),
    });
    expect(res.statusCode).toBe(409);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 409, code: "delivery_not_dead", param: "deliveryId" });
    expect(receiver.received).toHaveLength(1);
  });

  it("answers 400 with the offending param for a bad query", async () => {
    const res = await app.inject({
      method: "GET",
      url: "/v1/notifications/dead-letters?limit=0",
      headers: bearer(OPERATOR),
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 400, code: "invalid_parameter", param: "limit" });
  });
});

describe("/v1/notifications in the OpenAPI document", () => {
  it("lists the operator routes", async () => {
    const res = await app.inject({ method: "GET", url: "/docs/json" });
    expect(Object.keys(res.json().paths)).toEqual(
      expect.arrayContaining([
        "/v1/notifications/dead-letters",
        "/v1/notifications/dead-letters/{deliveryId}/replay",
        "/v1/notifications/{deliveryId}",
      ]),
    );
  });
});
