import { describe, expect, it } from "vitest";
import { walletCodec, walletDecider } from "../../test/support/sample-decider.ts";
import { fold, InvariantViolation } from "./decider.ts";
import { spec, testMeta } from "./testing/decider-spec.ts";

// The decider kit, proven on the sample wallet decider.
const wallet = spec(walletDecider);
const at = testMeta.now;

describe("decider kit", () => {
  describe("when empty", () => {
    it("a deposit is recorded with the command's time", () => {
      wallet
        .given([])
        .when({ type: "Deposit", amountMinor: 5n })
        .yields([{ type: "Deposited", data: { amountMinor: 5n, at } }]);
    });
    it("a withdrawal is rejected as not covered", () => {
      wallet.given([]).when({ type: "Withdraw", amountMinor: 1n }).rejects("balance_must_cover_amount");
    });
    it("a zero deposit is rejected", () => {
      wallet.given([]).when({ type: "Deposit", amountMinor: 0n }).rejects("amount_must_be_positive");
    });
  });

  describe("when funded", () => {
    const funded = [{ type: "Deposited" as const, data: { amountMinor: 10n, at } }];
    it("withdraws up to the balance", () => {
      expect(wallet.given(funded).when({ type: "Withdraw", amountMinor: 10n }).state()).toEqual({
        balanceMinor: 0n,
      });
    });
    it("takes time only from the metadata", () => {
      wallet
        .given(funded)
        .when({ type: "Withdraw", amountMinor: 1n }, { now: "2030-01-01T00:00:00.000Z" })
        .yields([{ type: "Withdrawn", data: { amountMinor: 1n, at: "2030-01-01T00:00:00.000Z" } }]);
    });
  });

  it("a broken invariant in evolve crashes instead of producing state", () => {
    expect(() => fold(walletDecider, [{ type: "Withdrawn", data: { amountMinor: 1n, at } }])).toThrow(
      InvariantViolation,
    );
  });

  it("the codec stores amounts as integer strings and reads them back as bigint", () => {
    const event = { type: "Deposited" as const, data: { amountMinor: 9007199254740993n, at } };
    const stored = walletCodec.encode(event);
    expect(stored).toEqual({
      type: "Deposited",
      schemaVersion: 1,
      data: { amountMinor: "9007199254740993", at },
    });
    expect(walletCodec.decode(stored)).toEqual(event);
    expect(() => walletCodec.decode({ type: "Deposited", schemaVersion: 2, data: stored.data })).toThrow(
      /upcaster/,
    );
    expect(() => walletCodec.decode({ type: "Stolen", schemaVersion: 1, data: {} })).toThrow(
      /unknown event type/,
    );
  });
});
