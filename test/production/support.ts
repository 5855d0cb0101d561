// The production shape as separate processes: each role is `services/main.ts --role <role>` on its own
// port, all on one PostgreSQL schema (event store and read models) and one Kafka topic prefix. Plus what a
// test needs around them: a TCP proxy in front of PostgreSQL (to cut and restore the database under a
// running role), a browser over real HTTP for the hosted page, the merchant's side of the Checkout API,
// and clean-up of the schema and the topics.
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { initRequest, pushSignature, SEED_AMOUNT_MINOR } from "../support/checkout-requests.ts";
import { eventually, sleep } from "../support/eventually.ts";
import { postInit } from "../support/kredivo-http.ts";
import { DATABASE_URL } from "../support/postgres.ts";
import { type ServiceProcess, spawnService, untilListening } from "../support/service-process.ts";

export type Role = "gateway" | "projector" | "publisher" | "notifier";

// ------------------------------------------------------------------------------------------ role processes

export interface RoleProcess extends ServiceProcess {
  readonly role: Role;
}

/** Spawns one role as its own process. Does not wait for it to listen: `await role.listening` does. */
export function spawnRole(role: Role, env: Record<string, string>): RoleProcess {
  return Object.assign(spawnService(env, ["--role", role], role), { role });
}

/** Spawns a role and waits (bounded) until it listens. */
export function startRole(role: Role, env: Record<string, string>, timeoutMs = 30_000): Promise<RoleProcess> {
  return untilListening(spawnRole(role, env), timeoutMs, role);
}

/** The environment every role of one deployment shares: PostgreSQL for both stores, one schema, Kafka. */
export function productionEnv(options: {
  schema: string;
  brokers: readonly string[];
  topicPrefix: string;
  databaseUrl?: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    EVENT_STORE: "postgres",
    READ_STORE: "postgres",
    DATABASE_URL: options.databaseUrl ?? DATABASE_URL,
    DATABASE_SCHEMA: options.schema,
    KAFKA_BROKERS: options.brokers.join(","),
    KAFKA_TOPIC_PREFIX: options.topicPrefix,
    KAFKA_TOPIC_PARTITIONS: "3",
    TIMER_SWEEP_MS: "100",
    NOTIFY_FIRST_RETRY_MS: "100",
    NOTIFY_MAX_RETRY_MS: "500",
    NOTIFY_TIMEOUT_MS: "2000",
    ...options.extra,
  };
}

export interface Readyz {
  readonly status: number;
  readonly body: {
    ready: boolean;
    store: { open: boolean; head: string | null; error?: string };
    projections: { name: string; status: string; position: string; lag: string }[];
  };
}

export async function readyz(url: string, timeoutMs = 5_000): Promise<Readyz> {
  const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: (await res.json()) as Readyz["body"] };
}

/**
 * Resolves with the log head once /readyz answers 200 with every follower of the log it lists (projections,
 * reactors, the notifier's outbox, the publisher) at that head.
 */
export function caughtUp(url: string, timeoutMs = 20_000): Promise<string> {
  return eventually(
    "every follower of the log at its head",
    async () => {
      const { status, body } = await readyz(url).catch(() => ({ status: 0, body: undefined }));
      if (status !== 200 || !body) return undefined;
      const head = body.store.head ?? "0";
      return body.projections.every((p) => p.status === "running" && p.position === head) ? head : undefined;
    },
    timeoutMs,
    100,
  );
}

/** caughtUp at a head that stays put across two looks 300 ms apart (reactors append on their own). */
export async function quiet(url: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let head = await caughtUp(url, timeoutMs);
  for (;;) {
    await sleep(300);
    const again = await caughtUp(url, Math.max(1, deadline - Date.now()));
    if (again === head) return head;
    head = again;
  }
}

// ------------------------------------------------------------------------------------------------ TCP proxy

/**
 * A TCP proxy in front of PostgreSQL, on a fixed port once chosen: `open()` starts accepting (and
 * forwarding), `cut()` stops accepting and drops every connection at once, as a network partition or a
 * database restart would; `open()` again restores it on the same port.
 */
export class TcpProxy {
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #port = 0;
  #blackhole = false;

  constructor(targetUrl: string) {
    const url = new URL(targetUrl);
    this.#target = { host: url.hostname, port: Number(url.port || 5432) };
  }

  get port(): number {
    return this.#port;
  }

  /** The database URL through this proxy. */
  url(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = "127.0.0.1";
    url.port = String(this.#port);
    return url.toString();
  }

  /** Picks a free port and leaves it closed: a database that is not there (yet). */
  async reserve(): Promise<this> {
    await this.open();
    await this.cut();
    return this;
  }

  async open(): Promise<this> {
    this.#blackhole = false;
    if (this.#server) return this;
    const server = createServer((client) => {
      if (this.#blackhole) {
        // Accepted, never answered: a database behind a dead route or a hung host.
        this.#sockets.add(client);
        client.on("close", () => this.#sockets.delete(client));
        client.on("error", () => {});
        return;
      }
      const upstream = tcpConnect(this.#target);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on("close", () => this.#sockets.delete(s));
        s.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((done, fail) => {
      server.once("error", fail);
      server.listen(this.#port, "127.0.0.1", () => done());
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("proxy has no TCP address");
    this.#port = address.port;
    this.#server = server;
    return this;
  }

  /** Connections in flight are reset; new ones are accepted and then never answered, until open(). */
  async blackhole(): Promise<void> {
    await this.open();
    this.#blackhole = true;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }

  /** Connections in flight are reset; new ones are refused until open(). */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    if (server) await new Promise<void>((done) => server.close(() => done()));
  }
}

// ------------------------------------------------------------------------------------------- PostgreSQL

/** One query on the test database (a short-lived client), outside every role. */
export async function sql<Row extends pg.QueryResultRow = pg.QueryResultRow>(
  text: string,
  values: unknown[] = [],
): Promise<Row[]> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<Row>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/** The events of one stream as PostgreSQL holds them, in revision order. */
export async function storedStream(
  schema: string,
  streamId: string,
): Promise<{ eventId: string; type: string; revision: number; position: string }[]> {
  const rows = await sql<{ event_id: string; type: string; revision: string; position: string }>(
    `SELECT event_id::text, type, revision::text, position::text FROM "${schema}".events
      WHERE stream_id = $1 ORDER BY revision`,
    [streamId],
  );
  return rows.map((r) => ({
    eventId: r.event_id,
    type: r.type,
    revision: Number(r.revision),
    position: r.position,
  }));
}

export async function storedHead(schema: string): Promise<string> {
  const [row] = await sql<{ head: string }>(
    `SELECT COALESCE(MAX(position), 0)::text AS head FROM "${schema}".events`,
  );
  return row?.head ?? "0";
}

// ------------------------------------------------------------------------------------------------- Kafka

/**
 * Every topic of this prefix: those the publisher creates at start and those it creates on first sight of a
 * stream kind (e.g. `buyer`). Consumer groups' offsets go with the topics.
 */
export async function deleteTopics(brokers: readonly string[], prefix: string): Promise<void> {
  const kafka = new Kafka({
    clientId: "production-test-cleanup",
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ours = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
    if (ours.length > 0) await admin.deleteTopics({ topics: ours, timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}

// ------------------------------------------------------------------------------------ the merchant's side

/** checkout/init of the seed's sample order with a fresh order_id, pushing to `pushUrl`. */
export function initCheckout(
  url: string,
  orderId: string,
  pushUrl: string,
): Promise<{ transactionId: string; checkoutUrl: string }> {
  return postInit(url, initRequest(orderId, pushUrl));
}

/** The signature_key of the seed's sample order (tenure 1), as the push carries it. */
export function sampleSignature(transactionId: string, orderId: string): string {
  return pushSignature({ transactionId, orderId, amountMinor: SEED_AMOUNT_MINOR, tenure: 1 });
}
