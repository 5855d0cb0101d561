import { describe, expect, it } from "vitest";
import { OFFLINE_ORDER, SEED_ORDER } from "../testing/checkout-fixtures.ts";
import { checkoutCodec } from "./checkout.events.ts";

// Stored v1 events, exactly as the log holds them: they are upcast on read, never rewritten.
describe("checkout events stored before offline checkouts", () => {
  const { source: _source, ...v1Order } = SEED_ORDER;
  const storedV1 = checkoutCodec.encode({ type: "Initiated", data: SEED_ORDER }).data as Record<
    string,
    unknown
  >;
  delete storedV1.source;

  it("a v1 Initiated reads as an online checkout, its expiresAt the expiry it always was", () => {
    expect(checkoutCodec.decode({ type: "Initiated", schemaVersion: 1, data: storedV1 })).toEqual({
      type: "Initiated",
      data: { ...v1Order, source: "ecom" },
    });
  });
  it("a v1 Aborted reads as the buyer's abort", () => {
    expect(checkoutCodec.decode({ type: "Aborted", schemaVersion: 1, data: { by: "user" } })).toEqual({
      type: "Aborted",
      data: { by: "user" },
    });
  });
});

describe("checkout events written now", () => {
  it("an offline Initiated keeps its source, dealer, metadata and expiry through the log", () => {
    const encoded = checkoutCodec.encode({ type: "Initiated", data: OFFLINE_ORDER });
    expect(encoded.schemaVersion).toBe(2);
    expect(encoded.data).toMatchObject({
      source: "offline",
      dealerCode: "SF241290",
      metadata: { till: 4 },
      expiresAt: OFFLINE_ORDER.expiresAt,
    });
    expect(checkoutCodec.decode(encoded)).toEqual({ type: "Initiated", data: OFFLINE_ORDER });
  });
});
