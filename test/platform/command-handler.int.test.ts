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

  describe("with streams' states kept between commands", () => {
    /** The revision each readStream of the handler started from, per stream. */
    function readsFrom(): { reads: Map<string, number[]>; counted: SqliteEventStore } {
      const reads = new Map<string, number[]>();
      const counted = new Proxy(store, {
        get(target, name) {
          if (name !== "readStream") {
            const value = Reflect.get(target, name, target);
            return typeof value === "function" ? value.bind(target) : value;
          }
          return (streamId: string, options?: { fromRevision?: number }) => {
            reads.set(streamId, [...(reads.get(streamId) ?? []), options?.fromRevision ?? 0]);
            return target.readStream(streamId, options);
          };
        },
      });
      return { reads, counted };
    }
    const deposit = (amountMinor: bigint) => ({ type: "Deposit", amountMinor }) as const;

    it("reads only the events after the revision it kept", async () => {
      const { reads, counted } = readsFrom();
      const wallets = commandHandler(counted, walletDecider, walletCodec);
      for (let i = 0; i < 4; i++) await wallets.handle("wallet-1", deposit(1n), testMeta);
      // The first read finds no stream; each later command reads from just after what the last one appended.
      expect(reads.get("wallet-1")).toEqual([0, 1, 2, 3]);
      expect((await wallets.load("wallet-1")).state).toEqual({ balanceMinor: 4n });
    });

    it("brings a kept state up to date with what another writer appended", async () => {
      const mine = commandHandler(store, walletDecider, walletCodec);
      const theirs = commandHandler(store, walletDecider, walletCodec);
      await mine.handle("wallet-1", deposit(5n), testMeta);
      await theirs.handle("wallet-1", deposit(3n), testMeta);
      // Only with their deposit read does 8 fit.
      const handled = await mine.handle("wallet-1", { type: "Withdraw", amountMinor: 8n }, testMeta);
      expect(handled.state).toEqual({ balanceMinor: 0n });
      expect(handled.revision).toBe(2);
    });

    it("keeps at most keptStates streams, the most recently used", async () => {
      const { reads, counted } = readsFrom();
      const wallets = commandHandler(counted, walletDecider, walletCodec, { keptStates: 1 });
      await wallets.handle("wallet-1", deposit(1n), testMeta);
      await wallets.handle("wallet-2", deposit(1n), testMeta);
      await wallets.handle("wallet-1", deposit(1n), testMeta);
      expect(reads.get("wallet-1")).toEqual([0, 0]);
    });

    it("keeps none with keptStates 0: every command reads its stream whole", async () => {
      const { reads, counted } = readsFrom();
      const wallets = commandHandler(counted, walletDecider, walletCodec, { keptStates: 0 });
      for (let i = 0; i < 3; i++) await wallets.handle("wallet-1", deposit(1n), testMeta);
      expect(reads.get("wallet-1")).toEqual([0, 0, 0]);
    });
  });
});
