import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CheckoutHarness, startCheckoutHarness } from "../checkout/harness.ts";
import { SANDBOX_SERVER_KEY, statusRequest } from "../support/checkout-requests.ts";

// Issue 14 item 5: failed authentications are limited per client (services/http/auth-failures.ts) on all
// three APIs, answered 429 with Retry-After in each API's envelope; the window runs on the app's clock.

const LIMIT = 3;
const WINDOW_MS = 60_000;
const OPERATOR_KEY = "operator-key-0123456789";
const PARTNER = "sandbox-partner";
const PARTNER_SECRET = "sandbox-partner-secret-5e8a1c";

let h: CheckoutHarness;
let nowMs = Date.parse("2026-03-01T10:00:00Z");

beforeAll(async () => {
  h = await startCheckoutHarness({
    now: () => new Date(nowMs),
    env: {
      AUTH_FAILURE_LIMIT: String(LIMIT),
      AUTH_FAILURE_WINDOW_MS: String(WINDOW_MS),
      API_KEYS: `${OPERATOR_KEY}:operator`,
    },
  });
});
afterAll(() => h.close());

let nextAddress = 1;
/** A fresh remote address per test, so one test's failures never limit another's. */
const freshAddress = () => `10.0.0.${nextAddress++}`;
const basic = (user: string, secret: string) =>
  `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;

const kredivoStatus = (address: string, serverKey: string) =>
  h.app.inject({
    method: "POST",
    url: "/kredivo/transaction/status",
    remoteAddress: address,
    headers: { "content-type": "application/json" },
    payload: JSON.stringify(statusRequest("00000000-0000-7000-8000-000000000000", serverKey)),
  });
const v1 = (address: string, key: string) =>
  h.app.inject({
    method: "GET",
    url: "/v1/notifications/dead-letters",
    remoteAddress: address,
    headers: { authorization: `Bearer ${key}` },
  });
const kredmint = (address: string, authorization: string) =>
  h.app.inject({
    method: "GET",
    url: "/kredmint/account/supplier?username=nobody",
    remoteAddress: address,
    headers: { authorization },
  });

const retryAfter = (res: { headers: Record<string, unknown> }) => Number(res.headers["retry-after"]);

describe("an address that sent too many bad credentials", () => {
  it("/kredivo: 2012 up to the limit, then 9429 (HTTP 429, Retry-After) even for the right server_key, until the window ends", async () => {
    const address = freshAddress();
    for (let i = 0; i < LIMIT; i++) {
      expect((await kredivoStatus(address, "SK-wrong-key-000000000000")).json()).toMatchObject({
        status: 2012,
      });
    }
    const limited = await kredivoStatus(address, SANDBOX_SERVER_KEY);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ status: 9429, message: expect.stringContaining("Retry-After") });
    expect(retryAfter(limited)).toBe(WINDOW_MS / 1000);
    // Another address is not limited by this one's failures (1002: the transaction is unknown, the key is fine).
    expect((await kredivoStatus(freshAddress(), SANDBOX_SERVER_KEY)).json()).toMatchObject({ status: 1002 });
    nowMs += 20_000;
    expect(retryAfter(await kredivoStatus(address, SANDBOX_SERVER_KEY))).toBe(40);
    nowMs += 40_000;
    expect((await kredivoStatus(address, SANDBOX_SERVER_KEY)).json()).toMatchObject({ status: 1002 });
  });

  it("/v1: api_key_invalid up to the limit, then the authentication_failures_too_many problem; a request without a key does not count", async () => {
    const address = freshAddress();
    for (let i = 0; i < LIMIT + 2; i++) {
      const missing = await h.app.inject({
        method: "GET",
        url: "/v1/notifications/dead-letters",
        remoteAddress: address,
      });
      expect(missing.json()).toMatchObject({ code: "api_key_missing" });
    }
    for (let i = 0; i < LIMIT; i++)
      expect((await v1(address, "not-a-key")).json()).toMatchObject({ code: "api_key_invalid" });
    const limited = await v1(address, OPERATOR_KEY);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers["content-type"]).toContain("application/problem+json");
    expect(limited.json()).toMatchObject({
      status: 429,
      code: "authentication_failures_too_many",
      param: "Authorization",
    });
    expect(retryAfter(limited)).toBeGreaterThan(0);
    expect((await v1(freshAddress(), OPERATOR_KEY)).statusCode).toBe(200);
    nowMs += WINDOW_MS;
    expect((await v1(address, OPERATOR_KEY)).statusCode).toBe(200);
  });

  it("/kredmint: 401 up to the limit, then 429 in the Partner API envelope with Retry-After", async () => {
    const address = freshAddress();
    for (let i = 0; i < LIMIT; i++) {
      expect((await kredmint(address, basic(PARTNER, "wrong-secret"))).statusCode).toBe(401);
    }
    const limited = await kredmint(address, basic(PARTNER, PARTNER_SECRET));
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({
      payload: null,
      error: { code: 429, message: expect.stringMatching(/^Authorization: /) },
    });
    expect(retryAfter(limited)).toBe(WINDOW_MS / 1000);
    nowMs += WINDOW_MS;
  });
});

describe("a partner id guessed at from many addresses", () => {
  it("is refused from the addresses that failed for it, never from one that did not (its owner is not locked out)", async () => {
    const guessers = Array.from({ length: LIMIT }, freshAddress);
    for (const address of guessers) {
      expect((await kredmint(address, basic(PARTNER, "guess"))).statusCode).toBe(401);
    }
    // The id is past the limit: a guesser's next try is refused, whatever secret it sends.
    const again = await kredmint(guessers[0] ?? "", basic(PARTNER, PARTNER_SECRET));
    expect(again.statusCode).toBe(429);
    // The partner, from an address that has not failed, is answered.
    expect((await kredmint(freshAddress(), basic(PARTNER, PARTNER_SECRET))).statusCode).not.toBe(429);
    nowMs += WINDOW_MS;
    expect((await kredmint(guessers[0] ?? "", basic(PARTNER, PARTNER_SECRET))).statusCode).not.toBe(429);
  });

  it("a success does not forgive an address's failures", async () => {
    const address = freshAddress();
    for (let i = 0; i < LIMIT - 1; i++) await v1(address, "not-a-key");
    expect((await v1(address, OPERATOR_KEY)).statusCode).toBe(200);
    await v1(address, "not-a-key");
    expect((await v1(address, OPERATOR_KEY)).statusCode).toBe(429);
  });
});

describe("the finance page's sign-in form", () => {
  it("counts a wrong key as a failed authentication: 401 up to the limit, then a 429 page with Retry-After", async () => {
    const address = freshAddress();
    const login = await h.app.inject({ method: "GET", url: "/finance/login", remoteAddress: address });
    const csrf = /name="csrf" value="([^"]+)"/.exec(login.body)?.[1] ?? "";
    const cookie = [login.headers["set-cookie"]]
      .flat()
      .map((c) => String(c).split(";")[0])
      .join("; ");
    const signIn = (key: string) =>
      h.app.inject({
        method: "POST",
        url: "/finance/login",
        remoteAddress: address,
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ key, csrf }).toString(),
      });
    for (let i = 0; i < LIMIT; i++) expect((await signIn("not-a-key")).statusCode).toBe(401);
    const limited = await signIn(OPERATOR_KEY);
    expect(limited.statusCode).toBe(429);
    expect(limited.body).toContain("Too many failed sign-ins");
    expect(retryAfter(limited)).toBe(WINDOW_MS / 1000);
    nowMs += WINDOW_MS;
  });
});
