import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Rejection } from "../../services/ledger/decider.ts";
import { testMeta } from "../../services/ledger/testing/decider-spec.ts";
import { ConcurrencyExhausted, commandHandler } from "../../services/platform/command-handler.ts";
import { SqliteEventStore } from "../../services/platform/eventstore/sqlite-event-store.ts";
import { walletCodec, walletDecider } from "../support/sample-decider.ts";

describe("command handler on the SQLite store", () => {
  let dir: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ledger-cmd-"));
    store = new SqliteEventStore({ path: join(dir, "ledger.db") });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("appends the decided events with the command's metadata", async () => {
    const wallets = commandHandler(store, walletDecider, walletCodec);
    const handled = await wallets.handle("wallet-1", { type: "Deposit", amountMinor: 7n }, testMeta);
    expect(handled.state).toEqual({ balanceMinor: 7n });
    const [stored] = await store.readStream("wallet-1");
    expect(stored).toMatchObject({
      type: "Deposited",
      occurredAt: testMeta.now,
      correlationId: "corr-test",
      actor: "test",
    });
    expect(stored!.data).toEqual({ amountMinor: "7", at: testMeta.now });
    expect(handled.position).toBe(stored!.position);
  });

  it("a rejection appends nothing", async () => {
    const wallets = commandHandler(store, walletDecider, walletCodec);
    await expect(
      wallets.handle("wallet-1", { type: "Withdraw", amountMinor: 1n }, testMeta),
    ).rejects.toBeInstanceOf(Rejection);
    expect(await store.headPosition()).toBe("0");
  });

  it("retries conflicts so concurrent commands on one stream all land exactly once", async () => {
    const wallets = commandHandler(store, walletDecider, walletCodec, { maxAttempts: 50 });
    await Promise.all(
      Array.from({ length: 20 }, () =>
        wallets.handle("wallet-1", { type: "Deposit", amountMinor: 1n }, testMeta),
      ),
    );
    expect((await wallets.load("wallet-1")).state).toEqual({ balanceMinor: 20n });
    expect(await store.readStream("wallet-1")).toHaveLength(20);
  });

  it("re-decides on conflict, so a withdrawal racing another never overdraws", async () => {
    const wallets = commandHandler(store, walletDecider, walletCodec, { maxAttempts: 50 });
    await wallets.handle("wallet-1", { type: "Deposit", amountMinor: 5n }, testMeta);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        wallets.handle("wallet-1", { type: "Withdraw", amountMinor: 1n }, testMeta),
      ),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(5);
    expect(
      outcomes.every(
        (o) => o.status === "fulfilled" || (o.reason as Rejection).rule === "balance_must_cover_amount",
      ),
    ).toBe(true);
    expect((await wallets.load("wallet-1")).state).toEqual({ balanceMinor: 0n });
  });

  it("gives up with a typed error after the bounded number of attempts", async () => {
    const wallets = commandHandler(store, walletDecider, walletCodec, { maxAttempts: 1 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () =>
        wallets.handle("wallet-1", { type: "Deposit", amountMinor: 1n }, testMeta),
      ),
    );
    const failures = outcomes.filter((o) => o.status === "rejected");
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((o) => o.reason instanceof ConcurrencyExhausted)).toBe(true);
  });

  it("decides on a known state without reloading, and appends after its revision", async () => {
    const wallets = commandHandler(store, walletDecider, walletCodec);
    const first = await wallets.handle("wallet-1", { type: "Deposit", amountMinor: 5n }, testMeta);
    const second = await wallets.handle("wallet-1", { type: "Withdraw", amountMinor: 2n }, testMeta, first);
    expect(second.state).toEqual({ balanceMinor: 3n });
    expect(second.revision).toBe(1);
    expect((await wallets.load("wallet-1")).state).toEqual({ balanceMinor: 3n });
  });

  it("a known state gone stale conflicts, reloads and decides again", async () => {
    const wallets = commandHandler(store, walletDecider, walletCodec);
    const stale = await wallets.handle("wallet-1", { type: "Deposit", amountMinor: 5n }, testMeta);
    await wallets.handle("wallet-1", { type: "Withdraw", amountMinor: 4n }, testMeta);
    // On the stale state (5) a withdrawal of 3 fits; on the stream (1) it does not.
    await expect(
      wallets.handle("wallet-1", { type: "Withdraw", amountMinor: 3n }, testMeta, stale),
    ).rejects.toMatchObject({ rule: "balance_must_cover_amount" });
    expect(await store.readStream("wallet-1")).toHaveLength(2);
  });
});
