import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DEVELOPMENT_SECRET_KEY, keyring, secretKey } from "./keyring.ts";
import { open, seal } from "./sealing.ts";

const keyA = randomBytes(32);
const keyB = randomBytes(32);

describe("a sealed secret", () => {
  it("opens to its plaintext, which it does not contain", () => {
    const keys = keyring(keyA);
    const sealed = seal(keys, "ref-1", "sk-the-server-key");
    expect(sealed.keyId).toBe(secretKey(keyA).id);
    expect(Buffer.from(sealed.sealed, "base64").toString("latin1")).not.toContain("sk-the-server-key");
    expect(open(keys, "ref-1", sealed)).toBe("sk-the-server-key");
  });

  it("is different every time (a fresh nonce), so equal secrets are not seen as equal at rest", () => {
    const keys = keyring(keyA);
    expect(seal(keys, "ref-1", "447462").sealed).not.toBe(seal(keys, "ref-1", "447462").sealed);
  });

  it("refuses to open under another reference (the reference is authenticated)", () => {
    const keys = keyring(keyA);
    expect(() => open(keys, "ref-2", seal(keys, "ref-1", "secret"))).toThrow();
  });

  it("refuses to open when altered", () => {
    const keys = keyring(keyA);
    const sealed = seal(keys, "ref-1", "secret");
    const bytes = Buffer.from(sealed.sealed, "base64");
    bytes[14] = bytes[14]! ^ 1;
    expect(() => open(keys, "ref-1", { ...sealed, sealed: bytes.toString("base64") })).toThrow();
  });
});

describe("a keyring with an old key", () => {
  it("seals with the current key and still opens what the old one sealed", () => {
    const old = seal(keyring(keyA), "ref-1", "secret");
    const rotated = keyring(keyB, [keyA]);
    expect(seal(rotated, "ref-1", "secret").keyId).toBe(secretKey(keyB).id);
    expect(open(rotated, "ref-1", old)).toBe("secret");
  });

  it("without the old key, names the missing key rather than answering anything", () => {
    const old = seal(keyring(keyA), "ref-1", "secret");
    expect(() => open(keyring(keyB), "ref-1", old)).toThrow(/SECRET_STORE_OLD_KEYS/);
  });
});

it("the development key is 32 bytes and refuses keys of another length", () => {
  expect(DEVELOPMENT_SECRET_KEY).toHaveLength(32);
  expect(() => secretKey(randomBytes(16))).toThrow(/32 bytes/);
});
