import { describe, expect, it } from "vitest";
import { AppendQueue, type PendingAppend } from "./append-queue.ts";

const request = (streamId: string) => ({
  streamId,
  events: [],
  dataJson: [],
  options: { expectedRevision: "any" as const },
});

const settleAll = (batch: PendingAppend[]) => {
  for (const [i, pending] of batch.entries()) pending.resolve({ nextExpectedRevision: i, position: "1" });
};

describe("AppendQueue", () => {
  describe("when appends arrive in one turn of the event loop", () => {
    it("writes them as one batch, cut at maxBatch", async () => {
      const batches: string[][] = [];
      const queue = new AppendQueue((batch) => {
        batches.push(batch.map((p) => p.streamId));
        settleAll(batch);
      }, 3);
      await Promise.all(["a", "b", "c", "d", "e"].map((id) => queue.enqueue(request(`s-${id}`))));
      expect(batches).toEqual([
        ["s-a", "s-b", "s-c"],
        ["s-d", "s-e"],
      ]);
    });
  });

  describe("when a batch is still being written", () => {
    it("gathers what arrives meanwhile into the next batch, never two batches at once", async () => {
      const batches: string[][] = [];
      let writing = 0;
      let release: () => void = () => {};
      const queue = new AppendQueue(async (batch) => {
        writing++;
        expect(writing).toBe(1);
        batches.push(batch.map((p) => p.streamId));
        if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
        settleAll(batch);
        writing--;
      }, 100);
      const first = queue.enqueue(request("s-1"));
      await new Promise((resolve) => setImmediate(resolve));
      const later = ["s-2", "s-3"].map((id) => queue.enqueue(request(id)));
      await new Promise((resolve) => setImmediate(resolve));
      expect(batches).toEqual([["s-1"]]);
      release();
      await Promise.all([first, ...later]);
      expect(batches).toEqual([["s-1"], ["s-2", "s-3"]]);
    });
  });

  describe("when drained", () => {
    it("writes everything queued before it resolves", async () => {
      const written: string[] = [];
      const queue = new AppendQueue(async (batch) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        written.push(...batch.map((p) => p.streamId));
        settleAll(batch);
      }, 2);
      const appends = ["s-1", "s-2", "s-3"].map((id) => queue.enqueue(request(id)));
      await queue.drain();
      expect(written).toEqual(["s-1", "s-2", "s-3"]);
      await expect(Promise.all(appends)).resolves.toHaveLength(3);
    });
  });

  describe("when observed", () => {
    it("reports each batch's size and write time, and each append's outcome, sync and async writers alike", async () => {
      const refused = new Error("refused");
      for (const sync of [true, false]) {
        const batches: number[] = [];
        const settled: unknown[] = [];
        const write = (batch: PendingAppend[]) => {
          batch[0]!.reject(refused);
          settleAll(batch.slice(1));
        };
        const queue = new AppendQueue(sync ? write : async (batch) => write(batch), 2, {
          batchWritten(appends, seconds) {
            expect(seconds).toBeGreaterThanOrEqual(0);
            batches.push(appends);
          },
          appendSettled(seconds, error) {
            expect(seconds).toBeGreaterThanOrEqual(0);
            settled.push(error);
          },
        });
        const appends = ["s-1", "s-2", "s-3"].map((id) => queue.enqueue(request(id)));
        await Promise.allSettled(appends);
        await queue.drain();
        expect(batches).toEqual([2, 1]);
        expect(settled).toEqual([refused, undefined, refused]);
      }
    });
  });
});
