import { describe, expect, it } from "vitest";
import type { EventEnvelope } from "../../contracts/envelope.ts";
import { InMemoryPublisherCheckpoint } from "./checkpoint.ts";
import { type DedupeStore, InMemoryDedupeStore, SqliteDedupeStore } from "./dedupe.ts";
import { toMessage, topicFor, toTopicMessages } from "./topics.ts";

function envelope(streamId: string, revision: number, position: number, data: unknown = {}): EventEnvelope {
  return {
    eventId: `0190a000-0000-7000-8000-${String(position).padStart(12, "0")}`,
    type: "CheckoutInitiated",
    schemaVersion: 2,
    streamId,
    revision,
    position: String(position),
    occurredAt: "2026-11-27T00:00:00.000Z",
    recordedAt: "2026-11-27T00:00:01.000Z",
    correlationId: "corr-1",
    causationId: "cause-1",
    tenantId: "tenant-1",
    actor: "merchant:m1",
    data,
  };
}

describe("publisher messages", () => {
  it("names topics payments.<kind>.v1", () => {
    expect(topicFor("checkout")).toBe("payments.checkout.v1");
    expect(topicFor("creditline", "test1")).toBe("test1.creditline.v1");
  });

  it("keys by stream id, carries the envelope as JSON and the four headers", () => {
    const event = envelope("checkout-abc", 3, 42, { amount: "1000" });
    expect(toMessage(event)).toEqual({
      key: "checkout-abc",
      value: JSON.stringify(event),
      headers: {
        "event-id": event.eventId,
        "event-type": "CheckoutInitiated",
        "schema-version": "2",
        "correlation-id": "corr-1",
      },
    });
  });

  it("groups a page by topic in log order and checkpoints its last position", () => {
    const page = [
      envelope("checkout-a", 0, 1),
      envelope("creditline-u", 0, 2),
      envelope("checkout-a", 1, 3),
      envelope("checkout-b", 0, 4),
    ];
    const { batch, last, count } = toTopicMessages(page, "payments", 1_000_000);
    expect(count).toBe(4);
    expect(last).toBe("4");
    expect(batch.map((t) => [t.topic, t.messages.map((m) => m.key)])).toEqual([
      ["payments.checkout.v1", ["checkout-a", "checkout-a", "checkout-b"]],
      ["payments.creditline.v1", ["creditline-u"]],
    ]);
  });

  it("cuts a page at maxBytes but always sends at least one event", () => {
    const big = "x".repeat(1000);
    const page = [1, 2, 3].map((p) => envelope("checkout-a", p - 1, p, { big }));
    const size = Buffer.byteLength(JSON.stringify(page[0]));
    expect(toTopicMessages(page, "payments", size * 2 + 1)).toMatchObject({ count: 2, last: "2" });
    expect(toTopicMessages(page, "payments", 10)).toMatchObject({ count: 1, last: "1" });
  });

  it("keeps an in-memory checkpoint", async () => {
    const checkpoint = new InMemoryPublisherCheckpoint();
    expect(await checkpoint.load()).toBe("0");
    await checkpoint.save("17");
    expect(await checkpoint.load()).toBe("17");
  });
});

describe.each([
  ["in memory", () => new InMemoryDedupeStore()],
  ["sqlite", () => new SqliteDedupeStore({ path: ":memory:" })],
] as [string, () => DedupeStore][])("dedupe store (%s)", (_, make) => {
  it("keeps the highest revision handled per stream and never moves it back", async () => {
    const store = make();
    expect(await store.lastHandled("checkout-a")).toBeUndefined();
    await store.markHandled({ streamId: "checkout-a", revision: 0, eventId: "e0" });
    await store.markHandled({ streamId: "checkout-a", revision: 1, eventId: "e1" });
    await store.markHandled({ streamId: "checkout-a", revision: 0, eventId: "e0" });
    await store.markHandled({ streamId: "checkout-b", revision: 5, eventId: "b5" });
    expect(await store.lastHandled("checkout-a")).toEqual({ revision: 1, eventId: "e1" });
    expect(await store.lastHandled("checkout-b")).toEqual({ revision: 5, eventId: "b5" });
    await store.close();
  });
});

describe("sqlite dedupe store", () => {
  it("stays one row per stream however many events it has seen", async () => {
    const a = new SqliteDedupeStore({ path: ":memory:", scope: "a" });
    for (let revision = 0; revision < 100; revision++) {
      await a.markHandled({ streamId: "checkout-a", revision, eventId: `e${revision}` });
    }
    expect(a.count()).toBe(1);
    expect(await a.lastHandled("checkout-a")).toEqual({ revision: 99, eventId: "e99" });
    await a.close();
  });
});
