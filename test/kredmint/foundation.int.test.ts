import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer } from "../support/http.ts";
import {
  basic,
  type KredmintHarness,
  OPERATOR_KEY,
  PUBLIC_BASE_URL,
  SEED_PROFILE_REQUEST,
  sandboxAuth,
  startKredmintHarness,
} from "./harness.ts";

// Step 1 and 2 of the Partner API through HTTP: the envelope, Basic auth, 404/405/406, errors naming the
// field, partners as data under /v1, and the eligibility banner of page `profile` exactly as the seed's.

let h: KredmintHarness;
beforeAll(async () => {
  h = await startKredmintHarness();
});
afterAll(async () => {
  await h?.close();
});

const errorOf = (res: { json(): { payload: unknown; error: { code: number; message: string } } }) => {
  const body = res.json();
  expect(body.payload).toBeNull();
  return body.error;
};

describe("eligibility, page profile", () => {
  it("answers the seed's banner for a new user, amounts as the seed writes them", async () => {
    const res = await h.eligibility(SEED_PROFILE_REQUEST);
    expect(res.statusCode, res.body).toBe(200);
    const { payload, sum, timestamp, error } = res.json();
    expect({ sum, error }).toEqual({ sum: 0, error: null });
    expect(typeof timestamp).toBe("number");
    expect(payload).toEqual({
      show: true,
      title: "Get a Credit Limit with kredmint.",
      subTitle: "Kredmint lets you order now & pay later as per convenience.",
      logoUrl: "https://kredmint-public.s3.ap-south-1.amazonaws.com/b3+(1).png",
      landingUrl: expect.stringMatching(
        new RegExp(`^${PUBLIC_BASE_URL}/kredmint/auth/\\?sid=[\\w-]+&userId=USR-\\d+&token=[\\w-]+$`),
      ),
      landingType: "DEFAULT",
      availableCreditLimit: 0,
      state: "IncompleteProfile",
      creditLimit: 0,
      totalOutstanding: 0,
    });
    // The wire text, not just the value: `0.0` as in the seed.
    expect(res.body).toContain(
      '"availableCreditLimit":0.0,"state":"IncompleteProfile","creditLimit":0.0,"totalOutstanding":0.0}',
    );
    expect(res.body).toContain('"sum":0.0');
  });

  it("one user per partner and mobile: the same mobile again is the same USR id and appends nothing", async () => {
    const first = (await h.eligibility(SEED_PROFILE_REQUEST)).json().payload.landingUrl;
    const head = await h.head();
    const again = (await h.eligibility(SEED_PROFILE_REQUEST)).json().payload.landingUrl;
    expect(new URL(again).searchParams.get("userId")).toBe(new URL(first).searchParams.get("userId"));
    expect(await h.head()).toBe(head);
    const other = (await h.eligibility({ ...SEED_PROFILE_REQUEST, username: "798289227" })).json();
    expect(new URL(other.payload.landingUrl).searchParams.get("userId")).not.toBe(
      new URL(first).searchParams.get("userId"),
    );
  });

  it('takes the seed\'s full sample (deep links, userContext with empty strings and companyOwned "true")', async () => {
    const res = await h.eligibility({
      source: "BNPL",
      username: "9887206895",
      page: "profile",
      failureDeepLink: "https://example.com/handler/failed",
      successDeepLink: "https://example.com/handler/success",
      backDeepLink: "https://example.com/handler/back",
      userContext: {
        fullName: "",
        mobile: "",
        email: "",
        gender: "MALE",
        gst: "",
        pancard: "",
        businessName: "",
        aadharNumber: "",
        gmv: { minInLac: 0, maxInLac: 0 },
        latLong: { latitude: 0.0, longitude: 0.0 },
        anchorVintageInDays: 368,
        address: { addressLine1: "", addressLine2: "", addressLine3: "", state: "", city: "", pincode: "" },
        companyOwned: "true",
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().payload.state).toBe("IncompleteProfile");
  });

  it.each([
    ["username missing", { page: "profile", source: "MOS" }, /^username: is required/],
    [
      "username not 9 to 12 digits",
      { ...SEED_PROFILE_REQUEST, username: "12345" },
      /^username: must be 9 to 12 digits/,
    ],
    ["page unknown", { ...SEED_PROFILE_REQUEST, page: "home" }, /^page: must be profile or payment/],
    [
      "source not the partner's",
      { ...SEED_PROFILE_REQUEST, source: "OTHER" },
      /^source: OTHER is not a source of this partner; send one of MOS, BNPL, BIZOM/,
    ],
    [
      "a deep link that is no URL",
      { ...SEED_PROFILE_REQUEST, successDeepLink: "nope" },
      /^successDeepLink: must be an http\(s\) URL/,
    ],
    [
      "a userContext email that is no address",
      { ...SEED_PROFILE_REQUEST, userContext: { email: "x" } },
      /^userContext\.email: must be an email address/,
    ],
  ])("400 when %s, naming the field and the fix, and appends nothing", async (_case, body, message) => {
    const head = await h.head();
    const res = await h.eligibility(body);
    expect(res.statusCode, res.body).toBe(400);
    expect(errorOf(res)).toEqual({ code: 400, message: expect.stringMatching(message) });
    expect(await h.head()).toBe(head);
  });

  it("400 for a malformed body or another content type", async () => {
    const malformed = await h.eligibility("{not json");
    expect(malformed.statusCode).toBe(400);
    expect(errorOf(malformed).message).toMatch(/^body: /);
    const text = await h.send("POST", "/kredmint/user/eligibility", undefined, {
      ...sandboxAuth,
      "content-type": "text/plain",
    });
    expect(text.statusCode).toBe(400);
  });
});

describe("the API's conventions", () => {
  it.each([
    ["missing", {}],
    ["not Basic", { authorization: "Bearer abc" }],
    ["an unknown partner", basic("nobody", "whatever-secret-123")],
    ["a wrong secret", basic("sandbox-partner", "wrong-secret-0123456789")],
  ])("401 when Authorization is %s, and appends nothing", async (_case, headers) => {
    const head = await h.head();
    const res = await h.eligibility(SEED_PROFILE_REQUEST, headers);
    expect(res.statusCode).toBe(401);
    expect(res.headers["www-authenticate"]).toBe('Basic realm="kredmint"');
    expect(errorOf(res)).toEqual({ code: 401, message: expect.stringMatching(/^Authorization: /) });
    expect(await h.head()).toBe(head);
  });

  it("406 only for an Accept that excludes JSON", async () => {
    for (const accept of ["*/*", "application/json", "application/json, text/plain", "application/*"]) {
      const res = await h.eligibility(SEED_PROFILE_REQUEST, { ...sandboxAuth, accept });
      expect(res.statusCode, accept).toBe(200);
    }
    for (const accept of ["text/html", "application/xml", "application/json;q=0"]) {
      const res = await h.eligibility(SEED_PROFILE_REQUEST, { ...sandboxAuth, accept });
      expect(res.statusCode, accept).toBe(406);
      expect(errorOf(res).message).toMatch(/^Accept: /);
    }
  });

  it("405 for another method on an operation's path, with Allow; 404 for no such path", async () => {
    const wrong = await h.send("GET", "/kredmint/user/eligibility", undefined, sandboxAuth);
    expect(wrong.statusCode).toBe(405);
    expect(wrong.headers.allow).toBe("POST");
    expect(errorOf(wrong).code).toBe(405);
    const missing = await h.send("GET", "/kredmint/user/nothing", undefined, sandboxAuth);
    expect(missing.statusCode).toBe(404);
    expect(errorOf(missing)).toEqual({ code: 404, message: expect.stringMatching(/^path: /) });
  });

  it("a path parameter over its bound or badly encoded is a 400 in the envelope, not fastify's own body", async () => {
    for (const url of [
      `/kredmint/files/USR-1/${"a".repeat(400)}?expires=1&signature=x`,
      "/kredmint/files/USR-1/%E0%A4%A?expires=1&signature=x",
    ]) {
      const res = await h.send("GET", url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json()).toMatchObject({ payload: null, sum: 0, error: { code: 400 } });
      expect(errorOf(res).message).toMatch(/^path: a path parameter is over 300 characters/);
    }
  });

  it("the served OpenAPI document lists the Partner API's operations", async () => {
    const doc = (await h.send("GET", "/docs/json")).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/kredmint/user/eligibility", "/v1/partners", "/v1/partners/{partnerId}"]),
    );
    expect(Object.keys(doc.paths["/kredmint/user/eligibility"].post.responses)).toEqual(
      expect.arrayContaining(["200", "400", "401", "406", "429"]),
    );
  });
});

describe("partners are data, under /v1", () => {
  const operator = bearer(OPERATOR_KEY);
  const registration = { partnerId: "acme", name: "Acme Distribution", allowedSources: ["BIZOM"] };

  it("registers a partner, answering its made secret and client token once; it can call at once", async () => {
    const res = await h.send("POST", "/v1/partners", registration, operator);
    expect(res.statusCode, res.body).toBe(201);
    const { secret, clientToken, ...view } = res.json();
    expect(view).toEqual({ ...registration, webhookUrl: null, webhookAuthSet: false });
    expect(secret).toMatch(/^[\w-]{32}$/);
    expect(clientToken).toMatch(/^[\w-]{32}$/);

    const read = await h.send("GET", "/v1/partners/acme", undefined, operator);
    expect(read.json()).toEqual(view);
    expect(read.body).not.toContain(secret);

    const banner = await h.eligibility({ ...SEED_PROFILE_REQUEST, source: "BIZOM" }, basic("acme", secret));
    expect(banner.statusCode, banner.body).toBe(200);
    // Tenants apart: the sandbox partner's user with this mobile is another user.
    const sandbox = await h.eligibility(SEED_PROFILE_REQUEST);
    const userOf = (r: typeof banner) => new URL(r.json().payload.landingUrl).searchParams.get("userId");
    expect(userOf(banner)).not.toBe(userOf(sandbox));
    // And the sandbox's credentials do not open acme's sources.
    expect((await h.eligibility({ ...SEED_PROFILE_REQUEST, source: "BIZOM" })).statusCode).toBe(200);
    expect(
      (await h.eligibility({ ...SEED_PROFILE_REQUEST, source: "MOS" }, basic("acme", secret))).statusCode,
    ).toBe(400);
  });

  it("the same registration again is 200 and changes nothing; other terms are 409 partner_conflict", async () => {
    const secret = "acme-2-secret-0123456789";
    const first = await h.send(
      "POST",
      "/v1/partners",
      { ...registration, partnerId: "acme-2", secret },
      operator,
    );
    expect(first.statusCode).toBe(201);
    expect(first.json().secret).toBeUndefined();
    const head = await h.head();
    const again = await h.send(
      "POST",
      "/v1/partners",
      { ...registration, partnerId: "acme-2", secret },
      operator,
    );
    expect(again.statusCode).toBe(200);
    expect(await h.head()).toBe(head);
    const other = await h.send(
      "POST",
      "/v1/partners",
      { ...registration, partnerId: "acme-2", name: "Other" },
      operator,
    );
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe("partner_conflict");
  });

  it("keeps webhook credentials out of the log", async () => {
    const res = await h.send(
      "POST",
      "/v1/partners",
      {
        ...registration,
        partnerId: "acme-3",
        webhookUrl: "https://acme.example/hooks",
        webhookAuth: "acme:hook-pass",
      },
      operator,
    );
    expect(res.json()).toMatchObject({ webhookUrl: "https://acme.example/hooks", webhookAuthSet: true });
    const events = await h.service.store.readStream("partner-acme-3");
    expect(JSON.stringify(events)).not.toContain("hook-pass");
  });

  it("404 partner_not_found, 400 for a bad id, 401 without a key", async () => {
    expect((await h.send("GET", "/v1/partners/nobody", undefined, operator)).json().code).toBe(
      "partner_not_found",
    );
    expect(
      (await h.send("POST", "/v1/partners", { ...registration, partnerId: "a b" }, operator)).statusCode,
    ).toBe(400);
    expect((await h.send("GET", "/v1/partners/acme")).statusCode).toBe(401);
  });

  it("the sandbox partner is seeded with the seed's sources", async () => {
    const res = await h.send("GET", "/v1/partners/sandbox-partner", undefined, operator);
    expect(res.json()).toMatchObject({ allowedSources: ["MOS", "BNPL", "BIZOM"] });
  });
});

describe("rate limit per partner", () => {
  let limited: KredmintHarness;
  beforeAll(async () => {
    limited = await startKredmintHarness({
      KREDMINT_RATE_LIMIT_MAX: "3",
      KREDMINT_RATE_LIMIT_WINDOW_MS: "60000",
    });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it("429 with Retry-After past the limit, in the envelope; another partner keeps its own budget", async () => {
    for (let i = 0; i < 3; i++)
      expect((await limited.eligibility(SEED_PROFILE_REQUEST)).statusCode).toBe(200);
    const over = await limited.eligibility(SEED_PROFILE_REQUEST);
    expect(over.statusCode).toBe(429);
    expect(Number(over.headers["retry-after"])).toBeGreaterThan(0);
    expect(errorOf(over)).toEqual({ code: 429, message: expect.stringMatching(/^Authorization: /) });
    const created = await limited.send(
      "POST",
      "/v1/partners",
      { partnerId: "other", name: "Other", allowedSources: ["MOS"], secret: "other-secret-0123456789" },
      bearer(OPERATOR_KEY),
    );
    expect(created.statusCode).toBe(201);
    expect(
      (await limited.eligibility(SEED_PROFILE_REQUEST, basic("other", "other-secret-0123456789"))).statusCode,
    ).toBe(200);
  });
});
