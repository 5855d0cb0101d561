import { describe, expect, it } from "vitest";
import type { EventEnvelope } from "../../../contracts/envelope.ts";
import { type RetryInfo, resubscribingSubscription, type SubscriptionSource } from "./esdb-subscription.ts";

// The resubscribe loop against scripted sources: no server, no timers (sleep is injected).

const event = (position: number, streamId = "test-s"): EventEnvelope => ({
  eventId: `01936b2e-7c1a-7000-8000-${position.toString().padStart(12, "0")}`,
  type: "Tested",
  schemaVersion: 1,
  streamId,
  revision: position,
  position: String(position),
  occurredAt: "2026-11-27T00:00:00.000Z",
  recordedAt: "2026-11-27T00:00:00.000Z",
  correlationId: "c",
  causationId: "c",
  tenantId: "t",
  actor: "a",
  data: {},
});

class Transient extends Error {}
class Fatal extends Error {}

type Ending = "end" | "hang" | { readonly error: Error };

interface Script {
  readonly items: EventEnvelope[];
  readonly ending: Ending;
  readonly confirm?: boolean;
}

/** Hands out one scripted source per open() and records where each one started. */
function scripted(scripts: Script[]) {
  const opened: string[] = [];
  let closedCount = 0;
  const open = (after: string, confirmed: () => void): SubscriptionSource<EventEnvelope> => {
    opened.push(after);
    const script = scripts.shift() ?? { items: [], ending: "hang" };
    let closed = false;
    let wake: () => void = () => {};
    const closing = new Promise<void>((resolve) => {
      wake = resolve;
    });
    if (script.confirm) confirmed();
    async function* items() {
      for (const item of script.items) {
        if (closed) return;
        yield item;
      }
      if (script.ending === "hang") {
        await closing;
        throw new Error("premature close");
      }
      if (script.ending !== "end") throw script.ending.error;
    }
    return {
      [Symbol.asyncIterator]: () => items(),
      close: async () => {
        if (!closed) closedCount++;
        closed = true;
        wake();
      },
    };
  };
  return { open, opened, closed: () => closedCount };
}

function harness(
  scripts: Script[],
  options: { after?: string; onEvent?: (e: EventEnvelope) => unknown } = {},
) {
  const source = scripted(scripts);
  const handled: string[] = [];
  const errors: unknown[] = [];
  const retries: RetryInfo[] = [];
  const sleeps: number[] = [];
  let reachedIdle!: () => void;
  const idle = new Promise<void>((resolve) => {
    reachedIdle = resolve;
  });
  const subscription = resubscribingSubscription<EventEnvelope>({
    after: options.after ?? "0",
    open: (after, confirmed) => {
      if (scripts.length <= 1) reachedIdle();
      return source.open(after, confirmed);
    },
    toEvent: (item) => (item.streamId.startsWith("$") ? undefined : item),
    isTransient: (error) =>
      error instanceof Transient || (error instanceof Error && !(error instanceof Fatal)),
    onEvent: async (e) => {
      await options.onEvent?.(e);
      handled.push(e.position);
    },
    onError: (e) => errors.push(e),
    onRetry: (info) => retries.push(info),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 1,
  });
  return { subscription, source, handled, errors, retries, sleeps, idle };
}

describe("resubscribing subscription", () => {
  it("resubscribes from the last handled position after a transient drop, handing each event once", async () => {
    const h = harness([
      { items: [event(10), event(20)], ending: { error: new Transient("UNAVAILABLE") } },
      // The new subscription overlaps what was handled: the overlap is skipped.
      { items: [event(20), event(30)], ending: "end" },
      { items: [event(40)], ending: "hang" },
    ]);
    await h.idle;
    await waitFor(() => h.handled.length === 4);
    expect(h.handled).toEqual(["10", "20", "30", "40"]);
    expect(h.source.opened).toEqual(["0", "20", "30"]);
    expect(h.retries.map((r) => [r.after, r.attempt, (r.error as Error).constructor.name])).toEqual([
      ["20", 1, "Transient"],
      ["30", 1, "SubscriptionEnded"],
    ]);
    expect(h.subscription.lastPosition).toBe("40");
    await h.subscription.stop();
    expect(h.errors).toEqual([]);
    expect(h.source.closed()).toBe(3);
  });

  it("starts strictly after its checkpoint and skips what toEvent skips", async () => {
    const h = harness([{ items: [event(5), event(7, "$stats"), event(9)], ending: "hang" }], { after: "5" });
    await waitFor(() => h.handled.length === 1);
    await h.subscription.stop();
    expect(h.handled).toEqual(["9"]);
  });

  it("awaits the handler before taking the next event", async () => {
    let running = 0;
    let overlapped = false;
    const h = harness([{ items: [event(1), event(2), event(3)], ending: "hang" }], {
      onEvent: async () => {
        running++;
        if (running > 1) overlapped = true;
        await new Promise((r) => setTimeout(r, 5));
        running--;
      },
    });
    await waitFor(() => h.handled.length === 3);
    await h.subscription.stop();
    expect(overlapped).toBe(false);
  });

  it("backs off exponentially across consecutive drops and resets once a subscription is confirmed", async () => {
    const drop = () => ({ items: [], ending: { error: new Transient("down") } }) as Script;
    const h = harness([drop(), drop(), drop(), drop(), { ...drop(), confirm: true }, drop()]);
    await h.idle;
    await waitFor(() => h.sleeps.length === 6);
    // random() = 1: the full ceiling, 100 ms doubling to the 5 s cap (not reached here).
    expect(h.sleeps).toEqual([100, 200, 400, 800, 100, 200]);
    await h.subscription.stop();
  });

  it("reports a handler failure once and stops without resubscribing", async () => {
    const h = harness([{ items: [event(1), event(2), event(3)], ending: "hang" }], {
      onEvent: (e) => {
        if (e.position === "2") throw new Error("projection bug");
      },
    });
    await waitFor(() => h.errors.length === 1);
    expect(String(h.errors[0])).toContain("projection bug");
    expect(h.handled).toEqual(["1"]);
    expect(h.source.opened).toEqual(["0"]);
    expect(h.subscription.lastPosition).toBe("1");
    await h.subscription.stop();
    expect(h.errors).toHaveLength(1);
  });

  it("stops on an error that is not transient, and on an item that is not an event", async () => {
    const fatal = harness([{ items: [event(1)], ending: { error: new Fatal("access denied") } }]);
    await waitFor(() => fatal.errors.length === 1);
    expect(fatal.errors[0]).toBeInstanceOf(Fatal);
    expect(fatal.source.opened).toEqual(["0"]);

    const source = scripted([{ items: [event(1)], ending: "hang" }]);
    const errors: unknown[] = [];
    const sub = resubscribingSubscription<EventEnvelope>({
      after: "0",
      open: source.open,
      toEvent: () => {
        throw new Error("not a ledger event");
      },
      isTransient: () => true,
      onEvent: () => {},
      onError: (e) => errors.push(e),
      sleep: async () => {},
    });
    await waitFor(() => errors.length === 1);
    expect(String(errors[0])).toContain("not a ledger event");
    expect(source.opened).toEqual(["0"]);
    await sub.stop();
  });

  it("stop() ends a subscription waiting for events and one waiting to resubscribe", async () => {
    const live = harness([{ items: [event(1)], ending: "hang" }]);
    await waitFor(() => live.handled.length === 1);
    await live.subscription.stop();
    expect(live.source.closed()).toBe(1);

    const source = scripted([{ items: [], ending: { error: new Transient("down") } }]);
    let sleeping!: () => void;
    const asleep = new Promise<void>((r) => {
      sleeping = r;
    });
    const sub = resubscribingSubscription<EventEnvelope>({
      after: "0",
      open: source.open,
      toEvent: (e) => e,
      isTransient: () => true,
      onEvent: () => {},
      onError: () => {},
      initialBackoffMs: 3_600_000,
      sleep: (_ms, signal) => {
        sleeping();
        return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      },
    });
    await asleep;
    await sub.stop();
    expect(source.opened).toEqual(["0"]);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(condition()).toBe(true);
}
