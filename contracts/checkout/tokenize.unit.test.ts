import { describe, expect, it } from "vitest";
import { tokenizeInitRequestExample, tokenizeInitRequestSchema, tokenizeSignatureKey } from "./tokenize.ts";

describe("user/tokenize/init signature_key", () => {
  it("the seed's own values give the seed's signature_key", () => {
    const { server_key, client_user_key, callback_url, signature_key } = tokenizeInitRequestExample;
    expect(
      tokenizeSignatureKey({
        serverKey: server_key,
        clientUserKey: client_user_key,
        callbackUrl: callback_url,
      }),
    ).toBe("3fb0eb199aa5c747c43f36319896af83a03277a7");
    expect(signature_key).toBe("3fb0eb199aa5c747c43f36319896af83a03277a7");
  });
  it("any other value changes it", () => {
    const seed = {
      serverKey: tokenizeInitRequestExample.server_key,
      clientUserKey: tokenizeInitRequestExample.client_user_key,
      callbackUrl: tokenizeInitRequestExample.callback_url,
    };
    const base = tokenizeSignatureKey(seed);
    expect(tokenizeSignatureKey({ ...seed, clientUserKey: "other" })).not.toBe(base);
    expect(tokenizeSignatureKey({ ...seed, callbackUrl: `${seed.callbackUrl}/` })).not.toBe(base);
  });
  it("the seed's request parses", () => {
    expect(tokenizeInitRequestSchema.parse(tokenizeInitRequestExample)).toEqual(tokenizeInitRequestExample);
  });
});
