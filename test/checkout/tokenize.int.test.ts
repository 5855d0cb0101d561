import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenizeSignatureKey } from "../../contracts/checkout/tokenize.ts";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { MAX_FAILED_AUTH_ATTEMPTS } from "../../services/ledger/checkout/checkout.decider.ts";
import { testCaller as caller } from "../../services/ledger/testing/decider-spec.ts";
import { tokenizationCodec } from "../../services/ledger/tokenization/tokenization.events.ts";
import { streamEvents } from "../../services/platform/eventstore/stream-events.ts";
import { nextOrder, SANDBOX_SERVER_KEY, sampleInit } from "../support/checkout-requests.ts";
import { kredivoMeta } from "../support/merchants.ts";
import { type CheckoutHarness, PUBLIC_BASE_URL, startCheckoutHarness } from "./harness.ts";

// user/tokenize/init through HTTP (seed "Tokenize Kredivo Account"): every code in its precedence
// (1002 → 2012 → 2030 → 2009), the tokenize_url, and the page's steps through the use cases: success issues a
// user_token that works for get_credit_details and a 0-click checkout/init; an inactive wallet and too many
// wrong attempts fail it. The callback and the page itself: tokenize-callback.int.test.ts, tokenize.e2e.test.ts.

const BAD_REQUEST = "Bad request, please check your request.";
const CALLBACK_URL = "https://api-merchant.io/tokenize/callback";
let h: CheckoutHarness;

beforeAll(async () => {
  h = await startCheckoutHarness();
});
afterAll(async () => {
  await h?.close();
});

interface Json {
  [key: string]: unknown;
}
const post = async (path: string, body: unknown) => (await h.post(path, body)).json() as Json;

let keys = 0;
const nextKey = () => `user-${Date.now()}-${++keys}`;

/** A well-formed request for `clientUserKey`, signed with `serverKey` unless a signature is given. */
function tokenizeRequest(clientUserKey: string, overrides: Json = {}, serverKey = SANDBOX_SERVER_KEY): Json {
  return {
    client_user_key: clientUserKey,
    server_key: serverKey,
    callback_url: CALLBACK_URL,
    back_to_store_url: "https://api-merchant.io/user/tokenize",
    signature_key: tokenizeSignatureKey({ serverKey, clientUserKey, callbackUrl: CALLBACK_URL }),
    ...overrides,
  };
}

const tokenizationIdOf = (tokenizeUrl: unknown) => new URL(String(tokenizeUrl)).searchParams.get("cid") ?? "";

async function tokenizationTypes(tokenizationId: string) {
  const types = [];
  for await (const e of streamEvents(h.store, `tokenization-${tokenizationId}`))
    types.push(tokenizationCodec.decode(e).type);
  return types;
}

/** The sandbox buyer on the tokenization page's steps: sign in, OTP. Answers the tokenization's phase. */
async function completeAsSandboxBuyer(tokenizationId: string, otp = SANDBOX_BUYER.otp) {
  const signedIn = await h.checkout.tokenizationSignIn(
    tokenizationId,
    SANDBOX_BUYER.phone,
    SANDBOX_BUYER.pin,
    caller,
  );
  if (signedIn.session === undefined) throw new Error("sign-in failed");
  return h.checkout.tokenizationVerifyOtp(tokenizationId, signedIn.session, otp, caller);
}

/** A finished tokenization of the sandbox buyer for `clientUserKey`: its user_token. */
async function tokenized(clientUserKey: string): Promise<string> {
  const res = await post("/user/tokenize/init", tokenizeRequest(clientUserKey));
  const tokenizationId = tokenizationIdOf(res.tokenize_url);
  const state = await completeAsSandboxBuyer(tokenizationId);
  expect(state.phase).toBe("succeeded");
  return (await h.checkout.loadTokenization(tokenizationId)).requested.userToken;
}

describe("POST /kredivo/user/tokenize/init", () => {
  it("answers the seed's success with a tokenize_url to our tokenization page", async () => {
    const res = await h.post("/user/tokenize/init", tokenizeRequest(nextKey()));
    expect(res.statusCode).toBe(200);
    const body = res.json() as Json;
    expect(body).toEqual({ status: 1, message: "success", tokenize_url: expect.any(String) });
    expect(String(body.tokenize_url)).toMatch(
      new RegExp(`^${PUBLIC_BASE_URL}/kredivo/signIn/tokenize\\?cid=[0-9a-f-]{36}$`),
    );
    expect(await tokenizationTypes(tokenizationIdOf(body.tokenize_url))).toEqual(["TokenizationRequested"]);
  });

  it("refuses in the seed's precedence, 1002 → 2012 → 2030 → 2009, and appends nothing", async () => {
    const taken = nextKey();
    await tokenized(taken);
    const wrongSignature = { signature_key: "0".repeat(40) };
    // Each row breaks its rule and every rule after it.
    const cases: { name: string; body: Json; expected: Json }[] = [
      {
        name: "malformed body",
        body: tokenizeRequest(taken, { ...wrongSignature, server_key: "nope", callback_url: "ftp://x" }),
        expected: {
          status: 1002,
          message: BAD_REQUEST,
          error: { message: "callback_url: must_be_an_http_url" },
        },
      },
      {
        name: "unknown server_key",
        body: tokenizeRequest(taken, wrongSignature, "nope"),
        expected: { status: 2012, message: "Invalid Merchant" },
      },
      {
        name: "wrong signature_key",
        body: tokenizeRequest(taken, wrongSignature),
        expected: { status: 2030, message: "Invalid Signature Key" },
      },
      {
        name: "client_user_key already tokenized",
        body: tokenizeRequest(taken),
        expected: { status: 2009, message: "Sorry, There's a conflict in tokenization request" },
      },
    ];
    const before = await h.quietHead();
    for (const { name, body, expected } of cases) {
      const res = await h.post("/user/tokenize/init", body);
      expect({ name, status: res.statusCode, body: res.json() }).toEqual({
        name,
        status: 200,
        body: expected,
      });
    }
    expect(await h.head()).toBe(before);
  });

  it("answers 1002 for a missing field, naming it", async () => {
    const { signature_key: _, ...unsigned } = tokenizeRequest(nextKey());
    expect(await post("/user/tokenize/init", unsigned)).toEqual({
      status: 1002,
      message: BAD_REQUEST,
      error: { message: "signature_key: required" },
    });
  });

  it("a signature over another callback_url is 2030", async () => {
    const key = nextKey();
    const signedOther = tokenizeSignatureKey({
      serverKey: SANDBOX_SERVER_KEY,
      clientUserKey: key,
      callbackUrl: "https://evil.example/callback",
    });
    expect(await post("/user/tokenize/init", tokenizeRequest(key, { signature_key: signedOther }))).toEqual({
      status: 2030,
      message: "Invalid Signature Key",
    });
  });
});

describe("the tokenization's steps", () => {
  it("success issues a user_token of this merchant and key, usable for credit details and 0-click", async () => {
    const key = nextKey();
    const res = await post("/user/tokenize/init", tokenizeRequest(key));
    const tokenizationId = tokenizationIdOf(res.tokenize_url);
    expect((await completeAsSandboxBuyer(tokenizationId)).phase).toBe("succeeded");
    expect(await tokenizationTypes(tokenizationId)).toEqual([
      "TokenizationRequested",
      "TokenizationSignedIn",
      "TokenizationOtpVerified",
      "TokenizationSucceeded",
    ]);
    const userToken = (await h.checkout.loadTokenization(tokenizationId)).requested.userToken;
    const details = await post("/get_credit_details", {
      server_key: SANDBOX_SERVER_KEY,
      user_token: userToken,
    });
    expect(details).toMatchObject({ status: 1, message: "Success" });
    // 0-click: the token authenticates the buyer; its first use names no trusted device, so it is challenged.
    const zeroClick = await post(
      "/checkout/init",
      sampleInit(nextOrder("TKZ"), { client_user_key: key, user_token: userToken }),
    );
    expect(zeroClick).toEqual({
      status: 1,
      message: "Success",
      transaction_id: expect.any(String),
      redirect_url: expect.stringContaining("/kredivo/signIn?tk="),
    });
    // A finished tokenization takes no more steps.
    await expect(
      h.checkout.tokenizationSignIn(tokenizationId, SANDBOX_BUYER.phone, SANDBOX_BUYER.pin, caller),
    ).rejects.toMatchObject({ rule: "tokenization_must_await_buyer" });
  });

  it("a buyer without an active credit line fails it: Wallet is inactive", async () => {
    const userId = `no-line-${Date.now()}`;
    const phone = `7${String(Date.now()).slice(-9)}`;
    const registered = await h.checkout.buyers.handle(
      `buyer-${userId}`,
      {
        type: "Register",
        profile: {
          userId,
          phone,
          pinRef: await h.checkout.buyerSecrets.store("111111"),
          otpRef: await h.checkout.buyerSecrets.store("2222"),
        },
      },
      kredivoMeta(),
    );
    if (registered.position) await h.checkout.waitForProjections(registered.position);
    const res = await post("/user/tokenize/init", tokenizeRequest(nextKey()));
    const tokenizationId = tokenizationIdOf(res.tokenize_url);
    const signedIn = await h.checkout.tokenizationSignIn(tokenizationId, phone, "111111", caller);
    const state = await h.checkout.tokenizationVerifyOtp(
      tokenizationId,
      signedIn.session ?? "",
      "2222",
      caller,
    );
    expect(state).toMatchObject({ phase: "failed", failure: "wallet_inactive" });
  });

  it(`${MAX_FAILED_AUTH_ATTEMPTS} wrong PINs or OTPs fail it: Max OTP Attempt`, async () => {
    const res = await post("/user/tokenize/init", tokenizeRequest(nextKey()));
    const tokenizationId = tokenizationIdOf(res.tokenize_url);
    await h.checkout.tokenizationSignIn(tokenizationId, SANDBOX_BUYER.phone, "000000", caller);
    const signedIn = await h.checkout.tokenizationSignIn(
      tokenizationId,
      SANDBOX_BUYER.phone,
      SANDBOX_BUYER.pin,
      caller,
    );
    let state = signedIn.state;
    for (let i = 1; i < MAX_FAILED_AUTH_ATTEMPTS; i++) {
      state = await h.checkout.tokenizationVerifyOtp(tokenizationId, signedIn.session ?? "", "0000", caller);
    }
    expect(state).toMatchObject({ phase: "failed", failure: "max_otp_attempt" });
  });
});
