import { randomBytes } from "node:crypto";
import net from "node:net";
import pg from "pg";
import { describe, expect, it } from "vitest";
import type { EventEnvelope } from "../../contracts/envelope.ts";
import { verifyChain } from "../../services/platform/eventstore/chain.ts";
import { EventStoreUnavailable, InvalidEventStoreArgument } from "../../services/platform/eventstore/port.ts";
import { PostgresEventStore } from "../../services/platform/eventstore/postgres-event-store.ts";
import { chainPages } from "../../services/platform/eventstore/stream-events.ts";
import { testEvent, uniqueStream } from "../support/events.ts";
import { testEventStore } from "./event-store.suite.ts";

const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const DATABASE_NAME = new URL(DATABASE_URL).pathname.slice(1);

const newSchema = () => `es_test_${randomBytes(6).toString("hex")}`;

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function dropSchema(schema: string): Promise<void> {
  await admin((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}

/** A fault only the database can raise, after validation has passed: an event of type Poison fails its insert. */
async function refusePoisonEvents(schema: string): Promise<void> {
  await admin((c) =>
    c.query(`
      CREATE FUNCTION "${schema}".refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.type = 'Poison' THEN RAISE EXCEPTION 'poisoned event'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_poison BEFORE INSERT ON "${schema}".events
        FOR EACH ROW EXECUTE FUNCTION "${schema}".refuse_poison();`),
  );
}

testEventStore("postgres", async () => {
  const schema = newSchema();
  return {
    open: () => PostgresEventStore.open({ connectionString: DATABASE_URL, schema }),
    dispose: () => dropSchema(schema),
  };
});

/** A TCP hop to the database that the test can cut, to lose connections the way a network does. */
async function startProxy() {
  const target = new URL(DATABASE_URL);
  const sockets = new Set<net.Socket>();
  let up = true;
  const server = net.createServer((inbound) => {
    if (!up) {
      inbound.destroy();
      return;
    }
    const outbound = net.connect(Number(target.port || 5432), target.hostname);
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {});
    }
    inbound.pipe(outbound).pipe(inbound);
    inbound.on("close", () => outbound.destroy());
    outbound.on("close", () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(DATABASE_URL);
  url.host = `127.0.0.1:${port}`;
  return {
    url: url.toString(),
    cut() {
      up = false;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      up = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function until(condition: () => Promise<boolean> | boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("postgres event store", () => {
  it("two writer processes appending while a third tails: no event is skipped", async () => {
    const schema = newSchema();
    const open = () => PostgresEventStore.open({ connectionString: DATABASE_URL, schema });
    const [writerA, writerB, reader] = await Promise.all([open(), open(), open()]);
    let writing = true;
    let tail: Promise<void> = Promise.resolve();
    let subscription: { stop(): Promise<void>; readonly lastPosition: string } | undefined;
    try {
      const shared = [uniqueStream(), uniqueStream()];
      const perWriter = { streams: 50, appendsPerStream: 20, sharedAppends: 40 };
      const expectedTotal =
        2 * (perWriter.streams * perWriter.appendsPerStream + shared.length * perWriter.sharedAppends);

      // The reader only learns of these appends through NOTIFY: it never writes itself.
      const subscribed: EventEnvelope[] = [];
      let subscriptionError: unknown;
      subscription = reader.subscribeToAll({
        after: "0",
        onEvent: (e) => {
          subscribed.push(e);
        },
        onError: (e) => {
          subscriptionError = e;
        },
      });
      const tailed: EventEnvelope[] = [];
      tail = (async () => {
        let from = "0";
        for (;;) {
          // Sampled before the read, so the tail's last page is read after every append has committed.
          const finished = !writing;
          const page = await reader.readAll({ after: from, maxCount: 37 });
          tailed.push(...page);
          if (page.length > 0) from = page.at(-1)!.position;
          else if (finished) return;
          else await new Promise((r) => setImmediate(r));
        }
      })();

      const write = (store: PostgresEventStore) => [
        ...Array.from({ length: perWriter.streams }, async () => {
          const s = uniqueStream();
          for (let i = 0; i < perWriter.appendsPerStream; i++) {
            await store.append(s, [testEvent("Own", { i })], {
              expectedRevision: i === 0 ? "no_stream" : i - 1,
            });
          }
        }),
        ...shared.map(async (s) => {
          for (let i = 0; i < perWriter.sharedAppends; i++) {
            await store.append(s, [testEvent("Shared", { i })], { expectedRevision: "any" });
          }
        }),
      ];
      await Promise.all([...write(writerA), ...write(writerB)]);
      writing = false;
      await tail;
      const head = await reader.headPosition();
      const sub = subscription;
      await until(
        () => subscriptionError !== undefined || sub.lastPosition === head,
        "the subscription to reach the head",
      );
      expect(subscriptionError).toBeUndefined();

      const final: EventEnvelope[] = [];
      for (let from = "0"; ; ) {
        const page = await reader.readAll({ after: from, maxCount: 500 });
        if (page.length === 0) break;
        final.push(...page);
        from = page.at(-1)!.position;
      }
      expect(final).toHaveLength(expectedTotal);
      const ids = (events: EventEnvelope[]) => events.map((e) => e.eventId);
      expect(ids(tailed)).toEqual(ids(final));
      expect(ids(subscribed)).toEqual(ids(final));
      for (let i = 1; i < final.length; i++) {
        expect(BigInt(final[i]!.position) > BigInt(final[i - 1]!.position)).toBe(true);
      }
      for (const s of shared) {
        expect((await reader.readStream(s)).map((e) => e.revision)).toEqual(
          Array.from({ length: 2 * perWriter.sharedAppends }, (_, i) => i),
        );
      }
      // Two processes' batches interleave under the append lock and still form one unbroken chain (ES11).
      expect(await verifyChain(chainPages(reader))).toMatchObject({ ok: true, events: expectedTotal });
    } finally {
      writing = false;
      await tail.catch(() => {});
      await subscription?.stop();
      await Promise.all([writerA.close(), writerB.close(), reader.close()]);
      await dropSchema(schema);
    }
  });

  it("an unreachable database rejects with EventStoreUnavailable naming the database", async () => {
    const url = new URL(DATABASE_URL);
    url.host = "127.0.0.1:1";
    const error = await PostgresEventStore.open({
      connectionString: url.toString(),
      schema: newSchema(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventStoreUnavailable);
    expect(String((error as Error).message)).toContain(`"${DATABASE_NAME}" at 127.0.0.1:1`);
  });

  it("a connection lost mid-transaction fails the whole batch, writes nothing, and recovers", async () => {
    const schema = newSchema();
    const proxy = await startProxy();
    const applicationName = `es-test-${schema}`;
    const store = await PostgresEventStore.open({ connectionString: proxy.url, schema, applicationName });
    const blocker = new pg.Client({ connectionString: DATABASE_URL });
    await blocker.connect();
    try {
      const [fresh, locked] = [uniqueStream(), uniqueStream()];
      await store.append(locked, [testEvent()], { expectedRevision: "no_stream" });
      // Hold the locked stream's row so the batch writes `fresh` and then waits inside its transaction.
      await blocker.query("BEGIN");
      await blocker.query(`SELECT 1 FROM "${schema}".streams WHERE stream_id = $1 FOR UPDATE`, [locked]);
      const freshEvents = [testEvent("A"), testEvent("B")];
      const outcomes = Promise.allSettled([
        store.append(fresh, freshEvents, { expectedRevision: "no_stream" }),
        store.append(locked, [testEvent()], { expectedRevision: 0 }),
      ]);
      const writerPid = async () =>
        (
          await admin((c) =>
            c.query<{ pid: number }>(
              "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
              [applicationName],
            ),
          )
        ).rows[0]?.pid;
      await until(async () => (await writerPid()) !== undefined, "the batch to wait on the row lock");
      const pid = await writerPid();

      proxy.cut();
      const settled = await outcomes;
      for (const outcome of settled) {
        expect(outcome.status).toBe("rejected");
        const reason = (outcome as PromiseRejectedResult).reason;
        expect(reason).toBeInstanceOf(EventStoreUnavailable);
        expect(String(reason.message)).toContain(`"${DATABASE_NAME}"`);
      }
      await blocker.query("ROLLBACK");
      // Once its lock is granted the orphaned backend finds its client gone and aborts.
      await until(
        async () =>
          (await admin((c) => c.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [pid]))).rowCount ===
          0,
        "the orphaned backend to exit",
      );
      const count = await admin((c) =>
        c.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${schema}".events WHERE stream_id = $1`, [
          fresh,
        ]),
      );
      expect(count.rows[0]!.n).toBe("0");

      const down = await store.readAll({ after: "0" }).catch((e: unknown) => e);
      expect(down).toBeInstanceOf(EventStoreUnavailable);
      await expect(
        store.append(fresh, freshEvents, { expectedRevision: "no_stream" }),
      ).rejects.toBeInstanceOf(EventStoreUnavailable);

      proxy.restore();
      const retried = await store.append(fresh, freshEvents, { expectedRevision: "no_stream" });
      expect(retried.nextExpectedRevision).toBe(1);
      expect((await store.readStream(locked)).map((e) => e.revision)).toEqual([0]);
    } finally {
      await blocker.end().catch(() => {});
      await store.close();
      await proxy.close();
      await dropSchema(schema);
    }
  });

  it("a database error in one append of a batch rolls back that append alone", async () => {
    const schema = newSchema();
    const store = await PostgresEventStore.open({ connectionString: DATABASE_URL, schema });
    try {
      await refusePoisonEvents(schema);
      const [a, b] = [uniqueStream(), uniqueStream()];
      const first = [testEvent("A0")];
      // One turn of the event loop, so one batch: the appends after the poisoned one were planned assuming
      // it would succeed and must be decided again without it.
      const outcomes = await Promise.allSettled([
        store.append(a, first, { expectedRevision: "no_stream" }),
        store.append(b, [testEvent("Ok"), testEvent("Poison")], { expectedRevision: "no_stream" }),
        store.append(a, [testEvent("A1")], { expectedRevision: 0 }),
        store.append(b, [testEvent("B0")], { expectedRevision: "no_stream" }),
        store.append(a, first, { expectedRevision: "no_stream" }),
        store.append(b, [testEvent("B1")], { expectedRevision: 0 }),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual([
        "fulfilled",
        "rejected",
        "fulfilled",
        "fulfilled",
        "fulfilled",
        "fulfilled",
      ]);
      expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(EventStoreUnavailable);
      expect(String((outcomes[1] as PromiseRejectedResult).reason.message)).toContain("poisoned event");
      const value = (i: number) => (outcomes[i] as PromiseFulfilledResult<{ position: string }>).value;
      expect(value(4)).toEqual(value(0));
      expect((await store.readStream(a)).map((e) => e.type)).toEqual(["A0", "A1"]);
      expect((await store.readStream(b)).map((e) => e.type)).toEqual(["B0", "B1"]);
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  });

  it("a batch written on a guess falls back to deciding from the database when the guess fails", async () => {
    const schema = newSchema();
    const store = await PostgresEventStore.open({ connectionString: DATABASE_URL, schema });
    try {
      await refusePoisonEvents(schema);
      const [a, b, c] = [uniqueStream(), uniqueStream(), uniqueStream()];
      // The store now knows the chain's head, so the next batches are guessed and sent with their reads.
      await store.append(a, [testEvent("A0")], { expectedRevision: "no_stream" });
      // Another writer moves the head: the guess's chain no longer fits and must not be written.
      const other = await PostgresEventStore.open({ connectionString: DATABASE_URL, schema });
      await other.append(c, [testEvent("C0")], { expectedRevision: "no_stream" });
      await other.close();
      expect(await store.append(a, [testEvent("A1")], { expectedRevision: 0 })).toMatchObject({
        nextExpectedRevision: 1,
      });
      // A database error in a guessed batch: the append that caused it alone is refused.
      const outcomes = await Promise.allSettled([
        store.append(b, [testEvent("B0")], { expectedRevision: "no_stream" }),
        store.append(c, [testEvent("Poison")], { expectedRevision: 0 }),
        store.append(a, [testEvent("A2")], { expectedRevision: 1 }),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      expect(String((outcomes[1] as PromiseRejectedResult).reason.message)).toContain("poisoned event");
      // A wrong expected revision in a guessed batch is refused as usual, the others written.
      const wrong = await Promise.allSettled([
        store.append(b, [testEvent("B1")], { expectedRevision: 0 }),
        store.append(a, [testEvent("A-stale")], { expectedRevision: 1 }),
      ]);
      expect(wrong.map((o) => o.status)).toEqual(["fulfilled", "rejected"]);
      expect((await store.readStream(a)).map((e) => e.type)).toEqual(["A0", "A1", "A2"]);
      expect((await store.readStream(b)).map((e) => e.type)).toEqual(["B0", "B1"]);
      expect((await store.readStream(c)).map((e) => e.type)).toEqual(["C0"]);
      const verdict = await verifyChain(chainPages(store));
      expect(verdict).toMatchObject({ ok: true, events: 6 });
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  });

  it("keeps positions beyond 2^53 exact", async () => {
    const schema = newSchema();
    const store = await PostgresEventStore.open({ connectionString: DATABASE_URL, schema });
    try {
      await admin((c) => c.query(`SELECT setval('"${schema}".event_position', 9007199254740993)`));
      const s = uniqueStream();
      const result = await store.append(s, [testEvent(), testEvent()], { expectedRevision: "no_stream" });
      expect(result.position).toBe("9007199254740995");
      const page = await store.readAll({ after: "9007199254740993" });
      expect(page.map((e) => e.position)).toEqual(["9007199254740994", "9007199254740995"]);
      expect(await store.headPosition()).toBe("9007199254740995");
      expect(await store.readAll({ after: "9223372036854775807" })).toEqual([]);
      expect(await store.readAll({ after: "123456789012345678901234567890" })).toEqual([]);
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  });

  it("refuses a schema name that is not a plain identifier", async () => {
    await expect(
      PostgresEventStore.open({ connectionString: DATABASE_URL, schema: 'x"; DROP SCHEMA public; --' }),
    ).rejects.toBeInstanceOf(InvalidEventStoreArgument);
  });
});
