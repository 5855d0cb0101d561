import { createHash, createHmac } from "node:crypto";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { webhookSignature } from "../../services/notifier/index.ts";
import { loadConfig } from "../../services/platform/config.ts";
import type { ComposedService } from "../../services/runtime/compose.ts";
import type { Received, Receiver } from "../notifier/harness.ts";
import { SANDBOX_SERVER_KEY, statusRequest } from "../support/checkout-requests.ts";
import { quietHead } from "../support/events.ts";
import { eventually } from "../support/eventually.ts";
import { bearer } from "../support/http.ts";
import { kredivo, postInit } from "../support/kredivo-http.ts";
import { composeInTempDir } from "../support/runtime.ts";

// The 2-click lifecycle over real HTTP: the service listening on 127.0.0.1 (composed in this process or
// started as its own process), the buyer's hosted page driven by fetch with a cookie jar, the merchant's
// push receiver a real HTTP server (test/notifier/harness.ts Receiver), the merchant's calls plain JSON
// POSTs and the operator's calls Bearer-authenticated /v1 requests.

export const OPERATOR_KEY = "lifecycle-operator-key-0001";
/** The sandbox buyer's limit on every tenure (services/checkout/sandbox.ts). */
export const SANDBOX_LIMIT = 100_000_000;

/** Retries in milliseconds, three attempts, one-second timeout, a sweep every 50 ms. */
export const FAST_ENV: Readonly<Record<string, string>> = {
  TIMER_SWEEP_MS: "50",
  NOTIFY_FIRST_RETRY_MS: "50",
  NOTIFY_MAX_RETRY_MS: "200",
  NOTIFY_MAX_ATTEMPTS: "3",
  NOTIFY_TIMEOUT_MS: "1000",
  API_KEYS: `${OPERATOR_KEY}:operator`,
};

// ------------------------------------------------------------------------------------ the merchant's side

export const pushSchema = z.object({
  amount: z.string(),
  discount_amount: z.string(),
  disbursed_amount: z.string(),
  tenure: z.number(),
  trx_status: z.enum(["pending", "failed", "denied"]),
  order_id: z.string(),
  transaction_time: z.number(),
  transaction_id: z.string(),
  signature_key: z.string(),
  message: z.string(),
});
export type Push = z.infer<typeof pushSchema> & { readonly webhookId: string; readonly raw: Received };

export function parsePush(received: Received): Push {
  return {
    ...pushSchema.parse(JSON.parse(received.body)),
    webhookId: String(received.headers["webhook-id"]),
    raw: received,
  };
}

/** Waits for the receiver to have taken a push of `transactionId` with `trxStatus`. */
export function waitForPush(
  receiver: Receiver,
  transactionId: string,
  trxStatus: Push["trx_status"],
  timeoutMs = 15_000,
): Promise<Push> {
  return eventually(
    `a ${trxStatus} push of ${transactionId}`,
    () =>
      receiver.received
        .map(parsePush)
        .find((p) => p.transaction_id === transactionId && p.trx_status === trxStatus),
    timeoutMs,
  );
}

/** Every push of one transaction the receiver has taken so far. */
export function pushesOf(receiver: Receiver, transactionId: string): Push[] {
  return receiver.received.map(parsePush).filter((p) => p.transaction_id === transactionId);
}

/**
 * What a merchant checks with nothing but its server_key: the seed's signature_key (base64 HMAC-SHA256,
 * key hex(SHA-256(server_key)), over "<transaction_id>|<order_id>|<amount in VND>|<tenure>") and the
 * Standard Webhooks signature over "<webhook-id>.<webhook-timestamp>.<body>" with the same key.
 */
export function merchantVerifies(push: Push, serverKey = SANDBOX_SERVER_KEY): boolean {
  const key = createHash("sha256").update(serverKey).digest("hex");
  const amount = push.amount.replace(/\.0$/, "");
  const expected = createHmac("sha256", key)
    .update(`${push.transaction_id}|${push.order_id}|${amount}|${push.tenure}`)
    .digest("base64");
  const timestamp = Number(push.raw.headers["webhook-timestamp"]);
  const signature = webhookSignature(key, push.webhookId, timestamp, push.raw.body);
  return expected === push.signature_key && push.raw.headers["webhook-signature"] === signature;
}

/** The Checkout API and the operator API of one running service, over HTTP. */
export class ServiceClient {
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }

  async kredivo(path: string, body: unknown): Promise<Record<string, unknown>> {
    const { httpStatus, json } = await kredivo(this.url, path, body);
    if (httpStatus !== 200)
      throw new Error(`POST /kredivo${path}: HTTP ${httpStatus} ${JSON.stringify(json)}`);
    return json;
  }

  init(body: Record<string, unknown>): Promise<{ transactionId: string; checkoutUrl: string }> {
    return postInit(this.url, body);
  }

  update(transactionId: string, signatureKey: string, status: "settled" | "failed" = "settled") {
    return this.kredivo("/checkout/update", {
      signature_key: signatureKey,
      transaction_id: transactionId,
      status,
    });
  }

  async trxStatus(transactionId: string): Promise<unknown> {
    const json = await this.kredivo("/transaction/status", statusRequest(transactionId));
    return json.trx_status;
  }

  /** An operator call under /v1 (Bearer API key with the `operator` role). */
  async operator(
    method: "GET" | "POST",
    path: string,
    /** null: no Authorization header at all. */
    key: string | null = OPERATOR_KEY,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${this.url}/v1${path}`, {
      method,
      headers: key === null ? {} : bearer(key),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  async delivery(deliveryId: string): Promise<Delivery> {
    const { status, json } = await this.operator("GET", `/notifications/${deliveryId}`);
    if (status !== 200)
      throw new Error(`GET /v1/notifications/${deliveryId}: ${status} ${JSON.stringify(json)}`);
    return deliverySchema.parse(json);
  }

  /**
   * Resolves once /readyz shows every projection, the notifier's outbox and the credit-line reactor at the
   * log head twice in a row 100 ms apart (the reactor appends on its own, so one look is not enough).
   */
  async caughtUp(timeoutMs = 15_000): Promise<void> {
    let streak = 0;
    await eventually(
      "every consumer of the log at its head",
      async () => {
        const res = await fetch(`${this.url}/readyz`);
        const report = (await res.json()) as { store: { head: string }; projections: { lag: string }[] };
        streak = report.projections.every((p) => p.lag === "0") ? streak + 1 : 0;
        return streak >= 2 ? true : undefined;
      },
      timeoutMs,
      100,
    );
  }

  /** Polls the operator API until the delivery is in `status`. */
  untilDelivery(deliveryId: string, status: Delivery["status"], timeoutMs = 15_000): Promise<Delivery> {
    return eventually(
      `delivery ${deliveryId} to be ${status}`,
      async () => {
        const { status: http, json } = await this.operator("GET", `/notifications/${deliveryId}`);
        if (http === 404) return undefined; // not recorded by the outbox yet
        const delivery = deliverySchema.parse(json);
        return delivery.status === status ? delivery : undefined;
      },
      timeoutMs,
    );
  }
}

const attemptSchema = z.object({
  round: z.number(),
  attempt: z.number(),
  httpStatus: z.number().nullable(),
  error: z.string().nullable(),
  outcome: z.enum(["delivered", "failed"]),
});
export const deliverySchema = z.object({
  deliveryId: z.string(),
  transactionId: z.string(),
  eventType: z.string(),
  trxStatus: z.string(),
  status: z.enum(["pending", "delivered", "dead"]),
  attemptCount: z.number(),
  replays: z.number(),
  lastError: z.string().nullable(),
  attempts: z.array(attemptSchema),
});
export type Delivery = z.infer<typeof deliverySchema>;

// --------------------------------------------------------------------------------- the service, in-process

export interface LiveService {
  readonly url: string;
  readonly dir: string;
  readonly service: ComposedService;
  readonly client: ServiceClient;
  readonly logs: Record<string, unknown>[];
  /** The buyer's credit line as the `credit_lines` read model has it. */
  creditLine(userId?: string): Promise<{ total: number; held: number; used: number }>;
  /** Event types of one stream, in order. */
  streamTypes(streamId: string): Promise<string[]>;
  /** The log head once nothing has been appended for 300 ms (the reactor and the sweep append on their own). */
  quietHead(): Promise<string>;
  close(): Promise<void>;
}

/** The whole runtime (every role) composed on a fresh DATA_DIR and listening on 127.0.0.1. */
export async function startLiveService(env: Record<string, string> = {}): Promise<LiveService> {
  const composed = await composeInTempDir("ledger-lifecycle-", (dir) =>
    loadConfig({ DATA_DIR: dir, PORT: "0", HOST: "127.0.0.1", ...FAST_ENV, ...env }),
  );
  const { service } = composed;
  const url = await service.app.listen({ port: 0, host: "127.0.0.1" });
  service.setPublicBaseUrl(url);
  const { store, readStore } = service;
  return {
    url,
    dir: composed.dir,
    service,
    client: new ServiceClient(url),
    logs: composed.logs,
    async creditLine(userId = SANDBOX_BUYER.userId) {
      return creditLineOf(userId, (await readStore.query(CREDIT_LINE_SQL, [userId]))[0]);
    },
    async streamTypes(streamId) {
      return (await store.readStream(streamId)).map((e) => e.type);
    },
    quietHead: () => quietHead(store, 300, 15_000),
    close: composed.close,
  };
}

const CREDIT_LINE_SQL = "SELECT total_minor, held_minor, used_minor FROM credit_lines WHERE user_id = ?";

/** A `credit_lines` row in VND as numbers; throws when the buyer has none. */
function creditLineOf(userId: string, row: Record<string, unknown> | undefined) {
  if (!row) throw new Error(`no credit line for ${userId}`);
  return { total: Number(row.total_minor), held: Number(row.held_minor), used: Number(row.used_minor) };
}

// ----------------------------------------------------------------------- a service process's file, from outside

/**
 * Reads a service's SQLite file while (or after) another process writes it: a short-lived read-only
 * connection per question, so this test never holds a lock the service needs.
 */
export function readLedgerFile<T>(dir: string, read: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(join(dir, "ledger.db"), { readOnly: true });
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    return read(db);
  } finally {
    db.close();
  }
}

export function fileStream(
  dir: string,
  streamId: string,
): { eventId: string; type: string; occurredAt: string; data: unknown }[] {
  return readLedgerFile(dir, (db) =>
    db
      .prepare("SELECT event_id, type, occurred_at, data FROM events WHERE stream_id = ? ORDER BY revision")
      .all(streamId)
      .map((r) => ({
        eventId: String(r.event_id),
        type: String(r.type),
        occurredAt: String(r.occurred_at),
        data: JSON.parse(String(r.data)),
      })),
  );
}

export function fileCreditLine(dir: string, userId = SANDBOX_BUYER.userId) {
  return readLedgerFile(dir, (db) => creditLineOf(userId, db.prepare(CREDIT_LINE_SQL).get(userId)));
}
