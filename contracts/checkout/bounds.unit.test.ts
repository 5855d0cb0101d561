import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { parseJsonPreservingNumbers } from "../money.ts";
import {
  ARRAY_MAX_ENTRIES,
  calculatorRequestExample,
  calculatorRequestSchema,
  cancelRequestExample,
  cancelRequestSchema,
  describeFirstIssue,
  FIELD_MAX_CHARS,
  initExample,
  initOfflineExample,
  initRequestSchema,
  initZeroClickExample,
  isIssuedTransactionId,
  statusRequestExample,
  statusRequestSchema,
  updateRequestExample,
  updateRequestSchema,
} from "./index.ts";

// Every request field is bounded (common.ts FIELD_MAX_CHARS, ARRAY_MAX_ENTRIES): a value at the bound is
// accepted, one past it is refused naming the field, and the seed's own samples stay accepted.

type Path = readonly (string | number)[];

function withValue(example: unknown, path: Path, value: unknown): unknown {
  // A copy through the wire parser keeps the example's exact numbers.
  const copy = parseJsonPreservingNumbers(JSON.stringify(example)) as Record<string | number, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path[path.length - 1] as string | number] = value;
  return copy;
}

function refusal(schema: z.ZodType, input: unknown): string | undefined {
  const r = schema.safeParse(input);
  return r.success ? undefined : describeFirstIssue(r.error);
}

const render = (path: Path) =>
  path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");

const STRING_FIELDS: [z.ZodType, unknown, Path, number][] = [
  [initRequestSchema, initExample, ["server_key"], FIELD_MAX_CHARS.key],
  [initRequestSchema, initExample, ["order_id"], FIELD_MAX_CHARS.id],
  [initRequestSchema, initExample, ["user_agent"], FIELD_MAX_CHARS.userAgent],
  [initRequestSchema, initExample, ["device_id"], FIELD_MAX_CHARS.device],
  [initRequestSchema, initExample, ["imsi"], FIELD_MAX_CHARS.device],
  [initRequestSchema, initZeroClickExample, ["client_user_key"], FIELD_MAX_CHARS.key],
  [initRequestSchema, initZeroClickExample, ["user_token"], FIELD_MAX_CHARS.key],
  [initRequestSchema, initExample, ["items", 0, "id"], FIELD_MAX_CHARS.id],
  [initRequestSchema, initExample, ["items", 0, "name"], FIELD_MAX_CHARS.name],
  [initRequestSchema, initExample, ["items", 0, "type"], FIELD_MAX_CHARS.name],
  [initRequestSchema, initExample, ["items", 0, "url"], FIELD_MAX_CHARS.url],
  [initRequestSchema, initExample, ["items", 3, "parent_id"], FIELD_MAX_CHARS.id],
  [initRequestSchema, initExample, ["sellers", 0, "id"], FIELD_MAX_CHARS.id],
  [initRequestSchema, initExample, ["sellers", 0, "name"], FIELD_MAX_CHARS.name],
  [initRequestSchema, initExample, ["sellers", 0, "url"], FIELD_MAX_CHARS.url],
  [initRequestSchema, initExample, ["sellers", 0, "mobile_number"], FIELD_MAX_CHARS.mobileNumber],
  [initRequestSchema, initExample, ["sellers", 0, "address_detail", "address"], FIELD_MAX_CHARS.address],
  [initRequestSchema, initExample, ["buyers", 0, "name"], FIELD_MAX_CHARS.name],
  [initRequestSchema, initExample, ["buyers", 0, "mobile_number"], FIELD_MAX_CHARS.mobileNumber],
  [initRequestSchema, initExample, ["shipping_addresses", 0, "ward"], FIELD_MAX_CHARS.address],
  [initRequestSchema, initOfflineExample, ["dealer_code"], FIELD_MAX_CHARS.id],
  [cancelRequestSchema, cancelRequestExample, ["reason"], FIELD_MAX_CHARS.text],
  [cancelRequestSchema, cancelRequestExample, ["cancelled_by"], FIELD_MAX_CHARS.text],
  [cancelRequestSchema, cancelRequestExample, ["order_id"], FIELD_MAX_CHARS.id],
  [cancelRequestSchema, cancelRequestExample, ["transaction_id"], FIELD_MAX_CHARS.key],
  [updateRequestSchema, updateRequestExample, ["signature_key"], FIELD_MAX_CHARS.key],
  [statusRequestSchema, statusRequestExample, ["transaction_id"], FIELD_MAX_CHARS.key],
  [calculatorRequestSchema, calculatorRequestExample, ["server_key"], FIELD_MAX_CHARS.key],
];

describe("string fields", () => {
  it.each(STRING_FIELDS.map(([s, e, path, max]) => [render(path), s, e, path, max] as const))(
    "%s accepts its bound and refuses one character more",
    (name, schema, example, path, max) => {
      expect(refusal(schema, withValue(example, path, "x".repeat(max)))).toBeUndefined();
      expect(refusal(schema, withValue(example, path, "x".repeat(max + 1)))).toBe(
        `${name}: too_long:max_${max}_characters`,
      );
    },
  );

  it("bounds every URL we call or redirect to", () => {
    const url = (chars: number) => `https://m.example/${"p".repeat(chars - "https://m.example/".length)}`;
    for (const field of ["push_url", "back_to_store_url", "cancel_url"]) {
      expect(refusal(initRequestSchema, withValue(initExample, [field], url(FIELD_MAX_CHARS.url)))).toBe(
        undefined,
      );
      expect(refusal(initRequestSchema, withValue(initExample, [field], url(FIELD_MAX_CHARS.url + 1)))).toBe(
        `${field}: too_long:max_${FIELD_MAX_CHARS.url}_characters`,
      );
    }
  });
});

describe("ip_address", () => {
  it("is an IPv4 or IPv6 address, the seed's own included", () => {
    for (const ip of ["123.23.24.11", "::1", "2001:db8::8a2e:370:7334", "::ffff:192.0.2.1"]) {
      expect(refusal(initRequestSchema, withValue(initExample, ["ip_address"], ip))).toBeUndefined();
    }
    for (const bad of ["", "localhost", "1.2.3", "256.1.1.1", "1.2.3.4 ", "x".repeat(1000)]) {
      expect(refusal(initRequestSchema, withValue(initExample, ["ip_address"], bad))).toBe(
        "ip_address: must_be_an_ipv4_or_ipv6_address",
      );
    }
  });
});

describe("an offline checkout's metadata", () => {
  it(`is at most ${FIELD_MAX_CHARS.metadata} characters written as JSON`, () => {
    const sized = (chars: number) => ({ note: "m".repeat(chars - '{"note":""}'.length) });
    const at = withValue(initOfflineExample, ["metadata"], sized(FIELD_MAX_CHARS.metadata));
    expect(refusal(initRequestSchema, at)).toBeUndefined();
    const over = withValue(initOfflineExample, ["metadata"], sized(FIELD_MAX_CHARS.metadata + 1));
    expect(refusal(initRequestSchema, over)).toBe(
      `metadata: too_large:max_${FIELD_MAX_CHARS.metadata}_characters_as_json`,
    );
  });
});

describe("emails", () => {
  it.each([
    ["buyers", 0],
    ["sellers", 1],
  ] as const)("%s[%i].email must be an email address", (list, i) => {
    for (const bad of ["not an email", "long123@", "@gmail.com", "a b@gmail.com"]) {
      expect(refusal(initRequestSchema, withValue(initExample, [list, i, "email"], bad))).toBe(
        `${list}[${i}].email: must_be_an_email_address`,
      );
    }
    const tooLong = `${"a".repeat(64)}@${"d".repeat(63)}.${"e".repeat(63)}.${"f".repeat(63)}.com`;
    expect(refusal(initRequestSchema, withValue(initExample, [list, i, "email"], tooLong))).toBe(
      `${list}[${i}].email: too_long:max_${FIELD_MAX_CHARS.email}_characters`,
    );
  });

  it("accepts the seed's own addresses", () => {
    for (const email of [
      "long123@gmail.com",
      "Morton3@gmail.com",
      "sunrise@gmail.com",
      "sunshine@gmail.com",
    ]) {
      expect(
        refusal(initRequestSchema, withValue(initExample, ["buyers", 0, "email"], email)),
      ).toBeUndefined();
    }
  });
});

describe("arrays", () => {
  const fee = { id: "taxfee", name: "Tax Fee", price: 0, quantity: 1 };
  const buyer = initExample.buyers[0];
  const seller = initExample.sellers[0];
  const address = initExample.shipping_addresses[0];
  it.each([
    ["items", fee, ARRAY_MAX_ENTRIES.items],
    ["buyers", buyer, ARRAY_MAX_ENTRIES.buyers],
    ["sellers", seller, ARRAY_MAX_ENTRIES.sellers],
    ["shipping_addresses", address, ARRAY_MAX_ENTRIES.shippingAddresses],
  ] as const)("%s accepts its bound and refuses one entry more", (field, entry, max) => {
    // Items must still add up to the amount, so the extra ones are zero-priced fees after the seed's.
    const filled = (n: number) =>
      field === "items"
        ? [...initExample.items, ...Array(n - initExample.items.length).fill(entry)]
        : Array(n).fill(entry);
    expect(refusal(initRequestSchema, withValue(initExample, [field], filled(max)))).toBeUndefined();
    expect(refusal(initRequestSchema, withValue(initExample, [field], filled(max + 1)))).toBe(
      `${field}: too_many:max_${max}_entries`,
    );
  });
});

describe("transaction ids we issue", () => {
  it("are lowercase UUIDs like the seed's samples", () => {
    for (const id of [updateRequestExample.transaction_id, cancelRequestExample.transaction_id]) {
      expect(isIssuedTransactionId(id)).toBe(true);
    }
    for (const id of ["t", "a b", "é", "9CE1596F-BD4E-4FA2-B49F-3537DE3F4128", `${"a".repeat(192)}`]) {
      expect(isIssuedTransactionId(id)).toBe(false);
    }
  });
});
