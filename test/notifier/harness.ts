import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { checkoutPushSource } from "../../services/checkout/index.ts";
import { type Notifier, type NotifierOptions, startNotifier } from "../../services/notifier/index.ts";
import { type Delivery, findDelivery } from "../../services/notifier/store.ts";
import { SqliteEventStore } from "../../services/platform/eventstore/sqlite-event-store.ts";
import type { ReadStore } from "../../services/platform/readstore/port.ts";
import { PostgresReadStore } from "../../services/platform/readstore/postgres-read-store.ts";
import { SqliteReadStore } from "../../services/platform/readstore/sqlite-read-store.ts";
import { eventually } from "../support/eventually.ts";
import { DATABASE_URL, uniqueSchema } from "../support/postgres.ts";
import { developmentSecrets } from "../support/secrets.ts";

// Real components for notifier tests: the SQLite log and read store in one temp file (as the embedded
// default runs them), the Checkout API's push source as the runtime registers it, and a real HTTP server
// on 127.0.0.1 standing in for the merchant.

export const silent = pino({ level: "silent" });

/** Retries in milliseconds so a test walks a whole schedule quickly. */
export const FAST = { firstRetryMs: 5, maxRetryMs: 20, maxAttempts: 3 };

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}

export interface Reply {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  /** Never answer (until the server closes). */
  readonly hang?: boolean;
  /** Answer once this settles. */
  readonly after?: Promise<unknown>;
}

export const OK: Reply = { status: 200, body: { status: "OK", message: "thanks" } };

export class Receiver {
  readonly received: Received[] = [];
  #server: Server | undefined;
  #port = 0;
  #respond: (request: Received, index: number) => Reply = () => OK;

  get url(): string {
    return `http://127.0.0.1:${this.#port}/kredivo/push`;
  }

  /** Answers the n-th request (0-based) with replies[n], and the last reply after that. */
  replies(...replies: Reply[]): this {
    this.#respond = (_, index) => replies[Math.min(index, replies.length - 1)] ?? OK;
    return this;
  }

  async listen(port = 0): Promise<this> {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const received = {
          headers: request.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          at: Date.now(),
        };
        this.received.push(received);
        const reply = this.#respond(received, this.received.length - 1);
        if (reply.hang) return;
        const answer = () => {
          response.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
          response.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
        };
        if (reply.after) void reply.after.finally(answer);
        else answer();
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(port, "127.0.0.1", resolve));
    const address = this.#server.address();
    if (address === null || typeof address === "string") throw new Error("no TCP address");
    this.#port = address.port;
    return this;
  }

  /** A port nothing listens on (yet): the receiver is down. */
  async reserveClosedPort(): Promise<this> {
    await this.listen();
    await this.close();
    return this;
  }

  get port(): number {
    return this.#port;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Where a World keeps the notifier's tables: the SQLite file of the log (default) or PostgreSQL. */
export interface ReadStoreChoice {
  open(dir: string): ReadStore;
  /** Removes what open() created outside the World's temp dir. */
  dispose(): Promise<void>;
}

export const SQLITE: () => ReadStoreChoice = () => ({
  open: (dir) => new SqliteReadStore({ path: join(dir, "ledger.db") }),
  dispose: async () => {},
});

/** A schema of its own in the machine's PostgreSQL, dropped by close(). */
export const POSTGRES: () => ReadStoreChoice = () => {
  const schema = uniqueSchema("notifier_test");
  return {
    open: () => new PostgresReadStore({ connectionString: DATABASE_URL, schema }),
    async dispose() {
      const cleaner = new PostgresReadStore({ connectionString: DATABASE_URL, schema });
      await cleaner.dropSchema();
      await cleaner.close();
    },
  };
};

export class World {
  readonly dir = mkdtempSync(join(tmpdir(), "notifier-"));
  readonly store = new SqliteEventStore({ path: join(this.dir, "ledger.db") });
  readonly readStore: ReadStore;
  readonly #readStoreChoice: ReadStoreChoice;
  readonly #notifiers: Notifier[] = [];
  readonly #receivers: Receiver[] = [];

  constructor(readStore: ReadStoreChoice = SQLITE()) {
    this.#readStoreChoice = readStore;
    this.readStore = readStore.open(this.dir);
  }

  async notifier(options: Partial<NotifierOptions> = {}): Promise<Notifier> {
    const notifier = await startNotifier({
      store: this.store,
      readStore: this.readStore,
      sources: [checkoutPushSource(this.store, this.readStore, developmentSecrets(this.readStore))],
      logger: silent,
      schedule: FAST,
      timeoutMs: 2000,
      ...options,
    });
    this.#notifiers.push(notifier);
    return notifier;
  }

  receiver(): Receiver {
    const receiver = new Receiver();
    this.#receivers.push(receiver);
    return receiver;
  }

  /** Waits (through idle(), sleeping only until the next retry is due) for a delivery to reach `status`. */
  async until(notifier: Notifier, deliveryId: string, status: Delivery["status"]): Promise<Delivery> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      await notifier.idle();
      const delivery = await findDelivery(this.readStore, deliveryId);
      if (delivery?.status === status) return delivery;
      if (Date.now() > deadline)
        throw new Error(`delivery ${deliveryId} is ${delivery?.status}, not ${status}`);
      const wait = delivery?.nextAttemptAt ? delivery.nextAttemptAt - Date.now() : 5;
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, wait)));
    }
  }

  /** Polls the delivery without idle(), for when another send is meant to stay in flight. */
  polled(deliveryId: string, status: Delivery["status"], timeoutMs = 5000): Promise<Delivery> {
    return eventually(
      `delivery ${deliveryId} to be ${status}`,
      async () => {
        const delivery = await findDelivery(this.readStore, deliveryId);
        return delivery?.status === status ? delivery : undefined;
      },
      timeoutMs,
      10,
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.#notifiers.map((n) => n.stop()));
    await Promise.all(this.#receivers.map((r) => r.close()));
    await this.store.close();
    await this.readStore.close();
    await this.#readStoreChoice.dispose();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
