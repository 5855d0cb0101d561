import { describe, expect, it } from "vitest";
import { metricsRegistry } from "../platform/metrics.ts";
import { publisherMetrics } from "./metrics.ts";
import type { PublisherStatus } from "./publisher.ts";

const status = (position: string, connected: boolean): PublisherStatus => ({
  connected,
  position,
  brokers: ["127.0.0.1:9092"],
  published: 0,
  stopped: false,
});

async function scrape(head: () => Promise<string>, publisherStatus: PublisherStatus) {
  const registry = metricsRegistry();
  publisherMetrics(registry, { store: { headPosition: head }, publisher: { status: () => publisherStatus } });
  const text = await registry.metrics();
  const value = (name: string) => new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1];
  return { lag: value("ledger_publisher_lag_events"), connected: value("ledger_publisher_connected") };
}

describe("publisher metrics", () => {
  describe("when the relay is behind the log head", () => {
    it("shows the head minus the acknowledged position, and whether the broker answers", async () => {
      expect(await scrape(async () => "120", status("100", true))).toEqual({ lag: "20", connected: "1" });
      expect(await scrape(async () => "100", status("100", false))).toEqual({ lag: "0", connected: "0" });
    });
  });

  describe("when the event store does not answer", () => {
    it("shows the lag as unknown (NaN) and still answers the rest", async () => {
      const down = async () => Promise.reject(new Error("store down"));
      // prom-client writes NaN as "Nan"; Prometheus reads it case-insensitively.
      expect(await scrape(down, status("100", true))).toEqual({ lag: "Nan", connected: "1" });
    });
  });
});
