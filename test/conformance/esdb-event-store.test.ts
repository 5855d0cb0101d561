import { GenericContainer, getContainerRuntimeClient, Wait } from "testcontainers";
import { afterAll, describe, expect, it } from "vitest";
import { EsdbEventStore } from "../../services/platform/eventstore/esdb-event-store.ts";
import type { RetryInfo } from "../../services/platform/eventstore/esdb-subscription.ts";
import { EventStoreUnavailable, InvalidEventStoreArgument } from "../../services/platform/eventstore/port.ts";
import { testEvent, uniqueStream } from "../support/events.ts";
import { expectClosed, testEventStore } from "./event-store.suite.ts";

// The EventStoreDB adapter against a real server: ESDB_URL if set (e.g. esdb://127.0.0.1:2113?tls=false;
// the server needs EVENTSTORE_MAX_APPEND_SIZE above 1 MiB for the suite's 1 MiB payload), else a throwaway
// container when a Docker engine answers, else the suite is reported as skipped with the reason. The suite
// shares the server's one $all across tests; it only looks at its own streams.

const IMAGE = "eventstore/eventstore:24.10";
const DOCKER_PROBE_TIMEOUT_MS = 3_000;
const READY_TIMEOUT_MS = 120_000;

async function dockerAnswers(): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("no answer")), DOCKER_PROBE_TIMEOUT_MS);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

interface Server {
  readonly url: string;
  stop?(): Promise<void>;
}

async function startContainer(): Promise<Server> {
  const container = await new GenericContainer(IMAGE)
    .withEnvironment({
      EVENTSTORE_INSECURE: "true",
      EVENTSTORE_RUN_PROJECTIONS: "None",
      EVENTSTORE_MEM_DB: "true",
      // The default (1 MiB) refuses the suite's 1 MiB payload with its envelope.
      EVENTSTORE_MAX_APPEND_SIZE: String(4 * 1024 * 1024),
    })
    .withExposedPorts(2113)
    .withWaitStrategy(Wait.forHttp("/health/live", 2113).forStatusCodeMatching((s) => s >= 200 && s < 300))
    .withStartupTimeout(READY_TIMEOUT_MS)
    .start();
  return {
    url: `esdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`,
    stop: async () => {
      await container.stop();
    },
  };
}

/** Live over HTTP is not yet serving gRPC reads as leader: wait until the adapter itself can open. */
async function untilServing(url: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      await (await EsdbEventStore.open({ connectionString: url, connectTimeoutMs: 5_000 })).close();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

const ESDB_URL = process.env.ESDB_URL;
const source = ESDB_URL ? "env" : (await dockerAnswers()) ? "docker" : "none";

let started: Promise<Server> | undefined;
const server = (): Promise<Server> => {
  started ??= (async () => {
    const s = ESDB_URL ? { url: ESDB_URL } : await startContainer();
    await untilServing(s.url);
    return s;
  })();
  return started;
};

afterAll(async () => {
  const s = await started?.catch(() => undefined);
  await s?.stop?.();
});

if (source === "none") {
  const reason = "EventStoreDB conformance skipped: no ESDB_URL and no Docker engine";
  console.warn(reason);
  describe.skip(reason, () => {
    it("event store conformance: esdb", () => {});
  });
} else {
  testEventStore("esdb", async () => {
    const { url } = await server();
    return {
      open: () => EsdbEventStore.open({ connectionString: url }),
      dispose: async () => {},
    };
  });
}

// These need no server: they point at a port nothing listens on.
describe("esdb event store without a server", () => {
  const nowhere = "esdb://127.0.0.1:1?tls=false";

  it("an unreachable server rejects open() with EventStoreUnavailable naming it, not its credentials", async () => {
    const error = await EsdbEventStore.open({
      connectionString: "esdb://admin:changeit@127.0.0.1:1?tls=false",
      connectTimeoutMs: 5_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventStoreUnavailable);
    expect(String((error as Error).message)).toContain("EventStoreDB at 127.0.0.1:1");
    expect(String((error as Error).message)).not.toContain("changeit");
  });

  it("checks arguments before sending anything, and names the server when a call fails", async () => {
    const store = new EsdbEventStore({ connectionString: nowhere });
    try {
      const rule = (p: Promise<unknown>) =>
        p.then(
          () => "resolved",
          (e: unknown) => e,
        );
      expect(await rule(store.append("", [testEvent()], { expectedRevision: "any" }))).toMatchObject({
        rule: "stream_id_invalid",
      });
      expect(await rule(store.append(uniqueStream(), [], { expectedRevision: "any" }))).toBeInstanceOf(
        InvalidEventStoreArgument,
      );
      expect(await rule(store.readStream(uniqueStream(), { maxCount: 0 }))).toMatchObject({
        rule: "max_count_invalid",
      });
      expect(await rule(store.readAll({ after: "-1" }))).toMatchObject({ rule: "position_invalid" });
      expect(() => store.subscribeToAll({ after: "1.5", onEvent: () => {}, onError: () => {} })).toThrow(
        InvalidEventStoreArgument,
      );
      const down = await rule(store.append(uniqueStream(), [testEvent()], { expectedRevision: "any" }));
      expect(down).toBeInstanceOf(EventStoreUnavailable);
      expect(String((down as Error).message)).toContain("EventStoreDB at 127.0.0.1:1");
      expect(await rule(store.readAll({ after: "0" }))).toBeInstanceOf(EventStoreUnavailable);
    } finally {
      await store.close();
    }
  });

  it("refuses every call after close", async () => {
    const store = new EsdbEventStore({ connectionString: nowhere });
    await store.close();
    await expectClosed(store);
  });

  it("a subscription that cannot reach the server keeps resubscribing with backoff until stopped", async () => {
    const retries: RetryInfo[] = [];
    const errors: unknown[] = [];
    const store = new EsdbEventStore({
      connectionString: nowhere,
      resubscribeInitialBackoffMs: 10,
      resubscribeMaxBackoffMs: 40,
      onSubscriptionRetry: (info) => retries.push(info),
    });
    try {
      const subscription = store.subscribeToAll({
        after: "42",
        onEvent: () => {},
        onError: (e) => errors.push(e),
      });
      const deadline = Date.now() + 20_000;
      while (retries.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await subscription.stop();
      expect(errors).toEqual([]);
      expect(retries.length).toBeGreaterThanOrEqual(3);
      expect(retries.map((r) => r.attempt).slice(0, 3)).toEqual([1, 2, 3]);
      expect(retries.every((r) => r.after === "42")).toBe(true);
      expect(subscription.lastPosition).toBe("42");
    } finally {
      await store.close();
    }
  });
});
