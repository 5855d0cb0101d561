import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EventEnvelope } from "../../contracts/envelope.ts";
import { chainHash, EMPTY_CHAIN, verifyChain } from "../../services/platform/eventstore/chain.ts";
import {
  DuplicateEventId,
  type EventStore,
  EventStoreClosed,
  InvalidEventStoreArgument,
  WrongExpectedRevision,
} from "../../services/platform/eventstore/port.ts";
import { chainPages } from "../../services/platform/eventstore/stream-events.ts";
import { testEvent, uniqueStream } from "../support/events.ts";

/**
 * The one behaviour every event store adapter must have (docs/guarantees.md, "Event store").
 * Tests only look at their own streams and at positions after the head they started from, so the suite
 * also runs against a log shared with other tests (EventStoreDB's $all).
 */
export interface EventStoreFixture {
  /** Opens the fixture's storage; may be called again after the previous store was closed. */
  open(): Promise<EventStore>;
  dispose(): Promise<void>;
}

/** Every port call of a closed store refuses with EventStoreClosed. */
export async function expectClosed(store: EventStore): Promise<void> {
  await expect(
    store.append(uniqueStream(), [testEvent()], { expectedRevision: "any" }),
  ).rejects.toBeInstanceOf(EventStoreClosed);
  await expect(store.readStream(uniqueStream())).rejects.toBeInstanceOf(EventStoreClosed);
  await expect(store.readAll({ after: "0" })).rejects.toBeInstanceOf(EventStoreClosed);
  await expect(store.headPosition()).rejects.toBeInstanceOf(EventStoreClosed);
  await expect(store.chainHead()).rejects.toBeInstanceOf(EventStoreClosed);
  await expect(store.readChain({ after: "0" })).rejects.toBeInstanceOf(EventStoreClosed);
  expect(() => store.subscribeToAll({ after: "0", onEvent: () => {}, onError: () => {} })).toThrow(
    EventStoreClosed,
  );
}

export function testEventStore(adapter: string, makeFixture: () => Promise<EventStoreFixture>): void {
  describe(`event store conformance: ${adapter}`, () => {
    let fixture: EventStoreFixture;
    let store: EventStore;

    beforeEach(async () => {
      fixture = await makeFixture();
      store = await fixture.open();
    });

    afterEach(async () => {
      await store.close();
      await fixture.dispose();
    });

    const appendN = async (streamId: string, n: number, type = "Counted") => {
      const events = Array.from({ length: n }, (_, i) => testEvent(type, { i }));
      return store.append(streamId, events, { expectedRevision: "any" });
    };

    const ourEventsAfter = async (after: string, streams: Set<string>) => {
      const seen: EventEnvelope[] = [];
      for (let from = after; ; ) {
        const page = await store.readAll({ after: from, maxCount: 500 });
        if (page.length === 0) return seen;
        seen.push(...page.filter((e) => streams.has(e.streamId)));
        from = page.at(-1)!.position;
      }
    };

    describe("optimistic concurrency", () => {
      it("no_stream creates a stream at revision 0 and refuses an existing one", async () => {
        const s = uniqueStream();
        const first = await store.append(s, [testEvent()], { expectedRevision: "no_stream" });
        expect(first.nextExpectedRevision).toBe(0);
        const error = await store.append(s, [testEvent()], { expectedRevision: "no_stream" }).catch((e) => e);
        expect(error).toBeInstanceOf(WrongExpectedRevision);
        expect(error).toMatchObject({ streamId: s, expected: "no_stream", actual: 0 });
      });

      it("stream_exists refuses a missing stream and accepts an existing one", async () => {
        const s = uniqueStream();
        const error = await store
          .append(s, [testEvent()], { expectedRevision: "stream_exists" })
          .catch((e) => e);
        expect(error).toBeInstanceOf(WrongExpectedRevision);
        expect(error).toMatchObject({ actual: "no_stream" });
        await store.append(s, [testEvent()], { expectedRevision: "no_stream" });
        const next = await store.append(s, [testEvent()], { expectedRevision: "stream_exists" });
        expect(next.nextExpectedRevision).toBe(1);
      });

      it("any appends whether or not the stream exists", async () => {
        const s = uniqueStream();
        expect((await store.append(s, [testEvent()], { expectedRevision: "any" })).nextExpectedRevision).toBe(
          0,
        );
        expect((await store.append(s, [testEvent()], { expectedRevision: "any" })).nextExpectedRevision).toBe(
          1,
        );
      });

      it("an exact revision must be the stream's last revision", async () => {
        const s = uniqueStream();
        const missing = await store.append(s, [testEvent()], { expectedRevision: 0 }).catch((e) => e);
        expect(missing).toMatchObject({ actual: "no_stream" });
        await appendN(s, 3);
        const stale = await store.append(s, [testEvent()], { expectedRevision: 1 }).catch((e) => e);
        expect(stale).toBeInstanceOf(WrongExpectedRevision);
        expect(stale).toMatchObject({ expected: 1, actual: 2 });
        const ahead = await store.append(s, [testEvent()], { expectedRevision: 3 }).catch((e) => e);
        expect(ahead).toMatchObject({ expected: 3, actual: 2 });
        const ok = await store.append(s, [testEvent(), testEvent()], { expectedRevision: 2 });
        expect(ok.nextExpectedRevision).toBe(4);
      });

      it("100 concurrent appenders expecting the same revision: exactly one wins", async () => {
        const s = uniqueStream();
        await store.append(s, [testEvent()], { expectedRevision: "no_stream" });
        const outcomes = await Promise.allSettled(
          Array.from({ length: 100 }, (_, i) =>
            store.append(s, [testEvent("Raced", { i })], { expectedRevision: 0 }),
          ),
        );
        const won = outcomes.filter((o) => o.status === "fulfilled");
        const lost = outcomes.filter((o) => o.status === "rejected");
        expect(won).toHaveLength(1);
        expect(lost.every((o) => o.reason instanceof WrongExpectedRevision)).toBe(true);
        expect(await store.readStream(s)).toHaveLength(2);
      });

      it("100 concurrent appenders retrying on conflict: each revision is written exactly once", async () => {
        const s = uniqueStream();
        const appender = async (i: number) => {
          for (;;) {
            const last = (await store.readStream(s, { direction: "backwards", maxCount: 1 }))[0];
            const expectedRevision = last ? last.revision : "no_stream";
            try {
              return await store.append(s, [testEvent("Raced", { i })], { expectedRevision });
            } catch (error) {
              if (!(error instanceof WrongExpectedRevision)) throw error;
            }
          }
        };
        const results = await Promise.all(Array.from({ length: 100 }, (_, i) => appender(i)));
        expect(new Set(results.map((r) => r.nextExpectedRevision)).size).toBe(100);
        const events = await store.readStream(s);
        expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 100 }, (_, i) => i));
        expect(new Set(events.map((e) => (e.data as { i: number }).i)).size).toBe(100);
      });

      it("100 concurrent appenders to 100 streams all win", async () => {
        const streams = Array.from({ length: 100 }, () => uniqueStream());
        const results = await Promise.all(
          streams.map((s) => store.append(s, [testEvent()], { expectedRevision: "no_stream" })),
        );
        expect(results.every((r) => r.nextExpectedRevision === 0)).toBe(true);
        expect(new Set(results.map((r) => r.position)).size).toBe(100);
      });

      it("a conflict in one append does not fail appends committed beside it", async () => {
        const [a, b, c] = [uniqueStream(), uniqueStream(), uniqueStream()];
        await store.append(b, [testEvent()], { expectedRevision: "no_stream" });
        const outcomes = await Promise.allSettled([
          store.append(a, [testEvent()], { expectedRevision: "no_stream" }),
          store.append(b, [testEvent()], { expectedRevision: "no_stream" }),
          store.append(c, [testEvent()], { expectedRevision: "no_stream" }),
        ]);
        expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
        expect(await store.readStream(b)).toHaveLength(1);
      });
    });

    describe("order and positions", () => {
      it("keeps per-stream order across appends", async () => {
        const s = uniqueStream();
        await store.append(s, [testEvent("A"), testEvent("B")], { expectedRevision: "no_stream" });
        await store.append(s, [testEvent("C")], { expectedRevision: 1 });
        const events = await store.readStream(s);
        expect(events.map((e) => [e.revision, e.type])).toEqual([
          [0, "A"],
          [1, "B"],
          [2, "C"],
        ]);
      });

      it("global positions strictly increase in log order and match the append result", async () => {
        const head = await store.headPosition();
        const s = uniqueStream();
        const results = [];
        for (let i = 0; i < 5; i++) results.push(await appendN(s, 2));
        const events = await ourEventsAfter(head, new Set([s]));
        expect(events).toHaveLength(10);
        for (let i = 1; i < events.length; i++) {
          expect(BigInt(events[i]!.position) > BigInt(events[i - 1]!.position)).toBe(true);
        }
        expect(results.map((r) => r.position)).toEqual(
          events.filter((_, i) => i % 2 === 1).map((e) => e.position),
        );
        expect(BigInt(await store.headPosition()) >= BigInt(events.at(-1)!.position)).toBe(true);
      });

      it("a reader tailing during concurrent appends never skips an event", async () => {
        const head = await store.headPosition();
        const streams = Array.from({ length: 20 }, () => uniqueStream());
        const names = new Set(streams);
        const tailed: EventEnvelope[] = [];
        let writing = true;
        const tail = (async () => {
          let from = head;
          while (writing || tailed.length < 200) {
            const page = await store.readAll({ after: from, maxCount: 50 });
            tailed.push(...page.filter((e) => names.has(e.streamId)));
            if (page.length > 0) from = page.at(-1)!.position;
            else await new Promise((r) => setTimeout(r, 1));
          }
        })();
        await Promise.all(
          streams.map(async (s) => {
            for (let i = 0; i < 10; i++) await store.append(s, [testEvent()], { expectedRevision: "any" });
          }),
        );
        writing = false;
        await tail;
        const final = await ourEventsAfter(head, names);
        expect(tailed.map((e) => e.eventId)).toEqual(final.map((e) => e.eventId));
      });

      it("stamps the envelope fields it owns and keeps the caller's", async () => {
        const s = uniqueStream();
        const sent = testEvent("Stamped", { a: 1 }, { correlationId: "corr-1", causationId: "cause-1" });
        await store.append(s, [sent], { expectedRevision: "no_stream" });
        const [got] = await store.readStream(s);
        expect(got).toMatchObject({ ...sent, streamId: s, revision: 0 });
        expect(got!.position).toMatch(/^[1-9][0-9]*$/);
        expect(Number.isNaN(Date.parse(got!.recordedAt))).toBe(false);
      });
    });

    describe("idempotent append", () => {
      it("re-appending the same events is a no-op that returns the original result", async () => {
        const s = uniqueStream();
        const events = [testEvent("A"), testEvent("B")];
        const first = await store.append(s, events, { expectedRevision: "no_stream" });
        await appendN(s, 1);
        const again = await store.append(s, events, { expectedRevision: "no_stream" });
        expect(again).toEqual(first);
        expect(await store.readStream(s)).toHaveLength(3);
      });

      it("refuses an event id stored in another stream or an append only partly stored", async () => {
        const [s, other] = [uniqueStream(), uniqueStream()];
        const stored = testEvent();
        await store.append(s, [stored], { expectedRevision: "no_stream" });
        await expect(store.append(other, [stored], { expectedRevision: "any" })).rejects.toBeInstanceOf(
          DuplicateEventId,
        );
        await expect(
          store.append(s, [stored, testEvent()], { expectedRevision: "any" }),
        ).rejects.toBeInstanceOf(DuplicateEventId);
        expect(await store.readStream(other)).toEqual([]);
        expect(await store.readStream(s)).toHaveLength(1);
      });
    });

    describe("hash chain (docs/guarantees.md ES11)", () => {
      it("chains every event onto its predecessor, through batches, failures and retries", async () => {
        const from = await store.chainHead();
        const [a, b] = [uniqueStream(), uniqueStream()];
        const retried = [testEvent("A", { n: 1 }), testEvent("B", { text: "é\u0000\ud800" })];
        // Concurrent appends land in one batch where the store groups commits; one of them is refused.
        const outcomes = await Promise.allSettled([
          store.append(a, retried, { expectedRevision: "no_stream" }),
          store.append(b, [testEvent("C")], { expectedRevision: "no_stream" }),
          store.append(b, [testEvent("D")], { expectedRevision: 5 }),
          store.append(uniqueStream(), [testEvent("E"), testEvent("F"), testEvent("G")], {
            expectedRevision: "any",
          }),
        ]);
        expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
        const beforeRetry = await store.chainHead();
        await store.append(a, retried, { expectedRevision: "no_stream" });
        expect(await store.chainHead()).toEqual(beforeRetry);

        const verdict = await verifyChain(chainPages(store, from.position, 2), from);
        expect(verdict).toMatchObject({ ok: true, head: beforeRetry });
        expect(verdict.events).toBeGreaterThanOrEqual(6);
      });

      it("a link is the envelope as read, its data's stored text and sha256 over the predecessor", async () => {
        const from = await store.chainHead();
        const s = uniqueStream();
        await store.append(s, [testEvent("A", { amountMinor: "120", list: [1, { b: null }] })], {
          expectedRevision: "no_stream",
        });
        const [event] = await store.readStream(s);
        const links = await store.readChain({ after: from.position, maxCount: 100 });
        const index = links.findIndex((l) => l.eventId === event!.eventId);
        const link = links[index]!;
        const { data, ...fields } = event!;
        expect(link).toMatchObject(fields);
        expect(JSON.parse(link.dataJson)).toEqual(data);
        const previous = index === 0 ? from.hash : links[index - 1]!.hash;
        expect(link.hash).toBe(chainHash(previous, link, link.dataJson));
        expect(link.hash).toMatch(/^[0-9a-f]{64}$/);
      });

      it("the head of an empty log is position 0 and the genesis hash, and readChain validates", async () => {
        const head = await store.chainHead();
        if (head.position === "0") expect(head).toEqual(EMPTY_CHAIN);
        else expect(head.hash).toMatch(/^[0-9a-f]{64}$/);
        await expect(store.readChain({ after: "-1" })).rejects.toMatchObject({ rule: "position_invalid" });
      });
    });

    describe("reading", () => {
      it("reads a stream from the middle, forwards and backwards", async () => {
        const s = uniqueStream();
        await appendN(s, 10);
        const revisions = (events: EventEnvelope[]) => events.map((e) => e.revision);
        expect(revisions(await store.readStream(s, { fromRevision: 5, maxCount: 3 }))).toEqual([5, 6, 7]);
        expect(revisions(await store.readStream(s, { direction: "backwards" }))).toEqual([
          9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
        ]);
        expect(
          revisions(await store.readStream(s, { direction: "backwards", fromRevision: 5, maxCount: 2 })),
        ).toEqual([5, 4]);
        expect(await store.readStream(s, { fromRevision: 10 })).toEqual([]);
      });

      it("reads the global log from the middle in pages", async () => {
        const head = await store.headPosition();
        const s = uniqueStream();
        await appendN(s, 10);
        const all = await ourEventsAfter(head, new Set([s]));
        const fromMiddle = await ourEventsAfter(all[4]!.position, new Set([s]));
        expect(fromMiddle.map((e) => e.revision)).toEqual([5, 6, 7, 8, 9]);
      });

      it("reads an absent stream as empty", async () => {
        expect(await store.readStream(uniqueStream())).toEqual([]);
      });

      it("round-trips a 1 MiB payload and unicode exactly", async () => {
        const s = uniqueStream();
        const big = "x".repeat(1024 * 1024);
        const unicode = "Thanh toán trả sau ✓ — ₹1,000.56 · 𝄞 😀 عربى \u2028 \\ \" '";
        await store.append(
          s,
          [testEvent("Big", { big }), testEvent("Unicode", { unicode, nested: [{ unicode }] })],
          {
            expectedRevision: "no_stream",
          },
        );
        const [b, u] = await store.readStream(s);
        expect((b!.data as { big: string }).big.length).toBe(1024 * 1024);
        expect(u!.data).toEqual({ unicode, nested: [{ unicode }] });
      });
    });

    describe("subscription", () => {
      it("sees every event once, in order, across a restart from its checkpoint", async () => {
        const head = await store.headPosition();
        const s = uniqueStream();
        await appendN(s, 10);
        const seen: EventEnvelope[] = [];
        let checkpoint = head;
        let firstPart!: () => void;
        const reachedFive = new Promise<void>((r) => {
          firstPart = r;
        });
        const onError = (e: unknown) => {
          throw e;
        };
        const first = store.subscribeToAll({
          after: checkpoint,
          onError,
          onEvent: (e) => {
            if (e.streamId !== s || seen.length >= 5) return;
            seen.push(e);
            checkpoint = e.position;
            if (seen.length === 5) firstPart();
          },
        });
        await reachedFive;
        await first.stop();

        let caughtUp!: () => void;
        const allSeen = new Promise<void>((r) => {
          caughtUp = r;
        });
        const second = store.subscribeToAll({
          after: checkpoint,
          onError,
          onEvent: (e) => {
            if (e.streamId !== s) return;
            seen.push(e);
            if (seen.length === 15) caughtUp();
          },
        });
        await appendN(s, 5);
        await allSeen;
        await second.stop();
        expect(seen.map((e) => e.revision)).toEqual(Array.from({ length: 15 }, (_, i) => i));
      });

      it("pushes live appends to a caught-up subscriber", async () => {
        const s = uniqueStream();
        let received!: (e: EventEnvelope) => void;
        const arrived = new Promise<EventEnvelope>((r) => {
          received = r;
        });
        const sub = store.subscribeToAll({
          after: await store.headPosition(),
          onError: () => {},
          onEvent: (e) => {
            if (e.streamId === s) received(e);
          },
        });
        await new Promise((r) => setTimeout(r, 20));
        await store.append(s, [testEvent("Live")], { expectedRevision: "no_stream" });
        expect((await arrived).type).toBe("Live");
        await sub.stop();
      });

      it("hands a live subscriber exactly what a read of the log returns, a refused append left out", async () => {
        const s = uniqueStream();
        const after = await store.headPosition();
        const received: EventEnvelope[] = [];
        const sub = store.subscribeToAll({
          after,
          onError: () => {},
          onEvent: (e) => {
            if (e.streamId === s) received.push(e);
          },
        });
        await store.append(s, [testEvent("First")], { expectedRevision: "no_stream" });
        // Sent together, so adapters with group commit write them in one batch with one of them refused.
        const outcomes = await Promise.allSettled([
          store.append(s, [testEvent("A"), testEvent("B")], { expectedRevision: 0 }),
          store.append(s, [testEvent("C")], { expectedRevision: 0 }),
          store.append(s, [testEvent("D")], { expectedRevision: "any" }),
          store.append(uniqueStream(), [testEvent("Elsewhere")], { expectedRevision: "no_stream" }),
        ]);
        expect(outcomes.filter((o) => o.status === "rejected")).toHaveLength(1);
        await store.append(s, [testEvent("Last"), testEvent("Later")], { expectedRevision: "any" });
        const stored = (await store.readAll({ after, maxCount: 100 })).filter((e) => e.streamId === s);
        await expect.poll(() => received.length).toBe(stored.length);
        await sub.stop();
        expect(received).toEqual(stored);
      });

      it("reports a handler failure and stops", async () => {
        const s = uniqueStream();
        await appendN(s, 3);
        let handled = 0;
        const failed = new Promise<unknown>((resolve) => {
          store.subscribeToAll({
            after: "0",
            onError: resolve,
            onEvent: (e) => {
              if (e.streamId !== s) return;
              handled++;
              if (e.revision === 1) throw new Error("projection bug");
            },
          });
        });
        expect(String(await failed)).toContain("projection bug");
        expect(handled).toBe(2);
      });
    });

    describe("lifecycle", () => {
      it("keeps everything across close and reopen", async () => {
        const s = uniqueStream();
        await appendN(s, 3);
        const head = await store.headPosition();
        await store.close();
        store = await fixture.open();
        expect(await store.headPosition()).toBe(head);
        expect((await store.readStream(s)).map((e) => e.revision)).toEqual([0, 1, 2]);
        expect((await store.append(s, [testEvent()], { expectedRevision: 2 })).nextExpectedRevision).toBe(3);
      });

      it("refuses every call after close", async () => {
        await store.close();
        await expectClosed(store);
        store = await fixture.open();
      });
    });

    describe("bad input", () => {
      const s = () => uniqueStream();
      const cases: [string, (store: EventStore) => Promise<unknown>][] = [
        ["stream_id_invalid", (st) => st.append("", [testEvent()], { expectedRevision: "any" })],
        ["stream_id_invalid", (st) => st.append("no dash", [testEvent()], { expectedRevision: "any" })],
        ["expected_revision_invalid", (st) => st.append(s(), [testEvent()], { expectedRevision: -1 })],
        ["expected_revision_invalid", (st) => st.append(s(), [testEvent()], { expectedRevision: 1.5 })],
        // @ts-expect-error a caller outside TypeScript can send anything
        ["expected_revision_invalid", (st) => st.append(s(), [testEvent()], { expectedRevision: "latest" })],
        ["events_must_not_be_empty", (st) => st.append(s(), [], { expectedRevision: "any" })],
        [
          "event_invalid",
          (st) =>
            st.append(s(), [testEvent("T", {}, { eventId: "not-a-uuid" })], { expectedRevision: "any" }),
        ],
        [
          "event_invalid",
          (st) =>
            st.append(s(), [testEvent("T", {}, { occurredAt: "yesterday" })], { expectedRevision: "any" }),
        ],
        [
          "event_invalid",
          (st) => st.append(s(), [testEvent("T", {}, { schemaVersion: 0 })], { expectedRevision: "any" }),
        ],
        ["event_invalid", (st) => st.append(s(), [testEvent("", {})], { expectedRevision: "any" })],
        [
          "event_data_not_json",
          (st) => st.append(s(), [testEvent("T", { n: 1n })], { expectedRevision: "any" }),
        ],
        [
          "event_id_repeated_in_append",
          (st) => {
            const e = testEvent();
            return st.append(s(), [e, e], { expectedRevision: "any" });
          },
        ],
        ["stream_id_invalid", (st) => st.readStream("")],
        ["max_count_invalid", (st) => st.readStream(s(), { maxCount: 0 })],
        ["from_revision_invalid", (st) => st.readStream(s(), { fromRevision: -1 })],
        ["position_invalid", (st) => st.readAll({ after: "-1" })],
        ["position_invalid", (st) => st.readAll({ after: "1.5" })],
        ["max_count_invalid", (st) => st.readAll({ after: "0", maxCount: 1_000_000 })],
      ];

      it.each(cases)("rejects with %s and writes nothing", async (rule, call) => {
        const existing = uniqueStream();
        await appendN(existing, 2);
        const before = { head: await store.headPosition(), stream: await store.readStream(existing) };
        const error = await call(store).catch((e) => e);
        expect(error).toBeInstanceOf(InvalidEventStoreArgument);
        expect(error).toMatchObject({ rule });
        expect({ head: await store.headPosition(), stream: await store.readStream(existing) }).toEqual(
          before,
        );
      });

      it("a failed append leaves the store exactly as it was", async () => {
        const streams = [uniqueStream(), uniqueStream()];
        for (const st of streams) await appendN(st, 3);
        const snapshot = async () => ({
          head: await store.headPosition(),
          streams: await Promise.all(streams.map((st) => store.readStream(st))),
        });
        const before = await snapshot();
        await expect(
          store.append(streams[0]!, [testEvent()], { expectedRevision: 0 }),
        ).rejects.toBeInstanceOf(WrongExpectedRevision);
        await expect(
          store.append(streams[1]!, [testEvent(), before.streams[0]![0]!], { expectedRevision: 2 }),
        ).rejects.toBeInstanceOf(DuplicateEventId);
        expect(await snapshot()).toEqual(before);
      });
    });
  });
}
