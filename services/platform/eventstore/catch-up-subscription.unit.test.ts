import { queryObjects } from "node:v8";
import { describe, expect, it } from "vitest";
import { AppendSignal, catchUpSubscription } from "./catch-up-subscription.ts";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("a catch-up subscription", () => {
  describe("when live and woken many times", () => {
    it("keeps no promise per wake-up (each sleep is its own, stop() ends the current one)", async () => {
      const signal = new AppendSignal();
      const subscription = catchUpSubscription(async () => [], signal, {
        after: "0",
        onEvent: async () => {},
        onError: (error) => {
          throw error;
        },
      });
      const wake = async (times: number) => {
        for (let i = 0; i < times; i++) {
          signal.notify();
          await tick();
        }
      };
      await wake(100);
      const before = queryObjects(Promise, { format: "count" });
      await wake(5_000);
      const after = queryObjects(Promise, { format: "count" });
      // Racing each sleep against one long-lived promise left a reaction and its promises per wake-up.
      expect(after - before).toBeLessThan(500);
      await subscription.stop();
    });
  });

  describe("when stopped while it reads a page", () => {
    it("ends without waiting for another append", async () => {
      let pageAsked!: () => void;
      const reading = new Promise<void>((resolve) => {
        pageAsked = resolve;
      });
      let answerPage!: (page: []) => void;
      const subscription = catchUpSubscription(
        () => {
          pageAsked();
          return new Promise((resolve) => {
            answerPage = resolve;
          });
        },
        new AppendSignal(),
        { after: "0", onEvent: async () => {}, onError: () => {} },
      );
      await reading;
      const stopped = subscription.stop();
      answerPage([]);
      await stopped;
    });
  });
});
