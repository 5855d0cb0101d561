import { describe, expect, it } from "vitest";
import { streamIdSchema, streamKind } from "../../../contracts/envelope.ts";
import { InvariantViolation } from "../decider.ts";
import {
  type CreditLineKey,
  canNameCreditLine,
  creditLineKeyOf,
  creditLineStream,
  kredivoLine,
  productLine,
} from "./creditline.stream.ts";

describe("credit line stream ids", () => {
  const lines: [string, CreditLineKey][] = [
    ["creditline-user-1", kredivoLine("user-1")],
    ["creditline-sandbox-buyer", kredivoLine("sandbox-buyer")],
    ["creditline-kredmint:INR:USR-2225", { product: "kredmint", userId: "USR-2225", currency: "INR" }],
    ["creditline-kredivo:INR:user-1", { product: "kredivo", userId: "user-1", currency: "INR" }],
  ];
  it.each(lines)("%s is one line's stream, of kind creditline, and names its key", (streamId, key) => {
    expect(creditLineStream(key)).toBe(streamId);
    expect(creditLineKeyOf(streamId)).toEqual(key);
    expect(streamKind(streamId)).toBe("creditline");
    expect(streamIdSchema.safeParse(streamId).success).toBe(true);
  });
  it("a Kredivo VND line keeps the id it had before products: creditline-<userId>", () => {
    expect(creditLineStream(kredivoLine("buyer-42"))).toBe("creditline-buyer-42");
  });
  it("a Kredivo user id that reads as another line's key is named in full, so it never is taken for one", () => {
    const odd = kredivoLine("kredmint:INR:USR-1");
    expect(creditLineStream(odd)).toBe("creditline-kredivo:VND:kredmint:INR:USR-1");
    expect(creditLineKeyOf(creditLineStream(odd))).toEqual(odd);
    expect(creditLineStream(kredivoLine("a:b"))).toBe("creditline-a:b");
    expect(creditLineKeyOf("creditline-a:b")).toEqual(kredivoLine("a:b"));
  });
  it("another kind's stream is not a credit line", () => {
    expect(() => creditLineKeyOf("checkout-tx-1")).toThrow(InvariantViolation);
  });
  it("a product's line is in the product's currency: kredivo VND, kredmint INR", () => {
    expect(productLine("kredivo", "user-1")).toEqual(kredivoLine("user-1"));
    expect(creditLineStream(productLine("kredmint", "USR-2225"))).toBe("creditline-kredmint:INR:USR-2225");
  });
  it("a user id whose line's stream id would be invalid names no line", () => {
    expect(canNameCreditLine(productLine("kredmint", "USR-2225"))).toBe(true);
    expect(canNameCreditLine(kredivoLine("no spaces"))).toBe(false);
    expect(canNameCreditLine(productLine("kredmint", "x".repeat(189)))).toBe(false);
  });
});
