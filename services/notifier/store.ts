import { z } from "zod";
import type { EventEnvelope } from "../../contracts/envelope.ts";
import type { ReadStore, Statement } from "../platform/readstore/port.ts";
import { sql } from "../platform/readstore/projection.ts";
import { NOTIFIER, openNotifierTables } from "./tables.ts";

export const DELIVERY_STATUSES = ["pending", "delivered", "dead"] as const;

// Rows are parsed, not cast: BIGINT columns come back as bigint (SQLite) or string (PostgreSQL).
const count = z.coerce.number().int();
const labelsSchema = z.record(z.string(), z.string());
const deliveryRow = z
  .object({
    delivery_id: z.string(),
    source: z.string(),
    stream_id: z.string(),
    event_type: z.string(),
    event_position: z.string(),
    labels: z.string().transform((text) => labelsSchema.parse(JSON.parse(text))),
    url: z.string().nullable(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: count,
    replays: count,
    pending_since: count,
    next_attempt_at: count.nullable(),
    created_at: z.string(),
    delivered_at: z.string().nullable(),
    dead_at: z.string().nullable(),
    last_error: z.string().nullable(),
  })
  .transform((r) => ({
    /** The id of the event delivered: the webhook-id receivers dedupe on. */
    deliveryId: r.delivery_id,
    /** Name of the DeliverySource that builds its requests. */
    source: r.source,
    streamId: r.stream_id,
    eventType: r.event_type,
    eventPosition: r.event_position,
    /** What the source said about it when it was recorded, e.g. a checkout's transactionId. */
    labels: r.labels,
    /** Where the latest attempt went; null before the first. */
    url: r.url,
    status: r.status,
    attempts: r.attempts,
    replays: r.replays,
    /** Epoch ms the current round of attempts began (recorded or replayed): the give-up clock. */
    pendingSince: r.pending_since,
    /** Epoch ms; null once delivered or dead. */
    nextAttemptAt: r.next_attempt_at,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
    deadAt: r.dead_at,
    lastError: r.last_error,
  }));
export type Delivery = z.output<typeof deliveryRow>;

const attemptRow = z
  .object({
    round: count,
    attempt: count,
    started_at: z.string(),
    duration_ms: count,
    url: z.string().nullable(),
    http_status: count.nullable(),
    error: z.string().nullable(),
    outcome: z.enum(["delivered", "failed"]),
  })
  .transform((r) => ({
    round: r.round,
    attempt: r.attempt,
    startedAt: r.started_at,
    durationMs: r.duration_ms,
    url: r.url,
    httpStatus: r.http_status,
    error: r.error,
    outcome: r.outcome,
  }));
export type Attempt = z.output<typeof attemptRow>;

/**
 * The notifier's tables behind the read store port. Every write goes through one queue: `apply` always
 * moves the checkpoint, so the worker's updates carry the checkpoint the outbox committed last, and the
 * queue guarantees no older position can land after a newer one. One notifier process per store.
 */
export class NotifierStore {
  readonly #readStore: ReadStore;
  readonly #generation: number;
  #checkpoint: string;
  #queue: Promise<void> = Promise.resolve();

  private constructor(readStore: ReadStore, generation: number, checkpoint: string) {
    this.#readStore = readStore;
    this.#generation = generation;
    this.#checkpoint = checkpoint;
  }

  static async open(readStore: ReadStore): Promise<NotifierStore> {
    const generation = await openNotifierTables(readStore);
    return new NotifierStore(readStore, generation, await readStore.generationPosition(NOTIFIER, generation));
  }

  /** Position of the last event the outbox has recorded (or skipped). */
  get checkpoint(): string {
    return this.#checkpoint;
  }

  /** Runs the statements in one transaction; `position` (the outbox only) advances the checkpoint. */
  write(statements: readonly Statement[], position?: string): Promise<void> {
    const run = this.#queue.then(async () => {
      const to = position ?? this.#checkpoint;
      await this.#readStore.apply(NOTIFIER, this.#generation, statements, to);
      this.#checkpoint = to;
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  async markFailed(error: string): Promise<void> {
    await this.#readStore.setStatus(NOTIFIER, "failed", error);
  }

  async markRunning(): Promise<void> {
    await this.#readStore.setStatus(NOTIFIER, "running", null);
  }

  async delivery(deliveryId: string): Promise<Delivery | undefined> {
    return findDelivery(this.#readStore, deliveryId);
  }

  /** Pending deliveries, soonest first (in-flight ones included: the worker skips those it holds). */
  async pending(limit: number): Promise<Delivery[]> {
    const rows = await this.#readStore.query(
      `SELECT * FROM notifier_deliveries WHERE status = 'pending'
        ORDER BY next_attempt_at, delivery_id LIMIT ?`,
      [limit],
    );
    return rows.map((r) => deliveryRow.parse(r));
  }
}

export async function findDelivery(readStore: ReadStore, deliveryId: string): Promise<Delivery | undefined> {
  const [row] = await readStore.query("SELECT * FROM notifier_deliveries WHERE delivery_id = ?", [
    deliveryId,
  ]);
  return row === undefined ? undefined : deliveryRow.parse(row);
}

export async function findAttempts(readStore: ReadStore, deliveryId: string): Promise<Attempt[]> {
  const rows = await readStore.query(
    "SELECT * FROM notifier_attempts WHERE delivery_id = ? ORDER BY round, attempt",
    [deliveryId],
  );
  return rows.map((r) => attemptRow.parse(r));
}

/** The dead-letter list, most recently parked first. */
export async function findDeadLetters(readStore: ReadStore, limit: number): Promise<Delivery[]> {
  const rows = await readStore.query(
    "SELECT * FROM notifier_deliveries WHERE status = 'dead' ORDER BY dead_at DESC, delivery_id LIMIT ?",
    [limit],
  );
  return rows.map((r) => deliveryRow.parse(r));
}

// ------------------------------------------------------------------------------------------ statements

export function recordDelivery(
  event: Pick<EventEnvelope, "eventId" | "streamId" | "type" | "position">,
  owner: { name: string; labels: Readonly<Record<string, string>> },
  now: Date,
): Statement {
  return sql`INSERT INTO {{notifier_deliveries}} (delivery_id, source, stream_id, event_type, event_position,
      labels, status, attempts, replays, pending_since, next_attempt_at, created_at)
    VALUES (${event.eventId}, ${owner.name}, ${event.streamId}, ${event.type}, ${event.position},
      ${JSON.stringify(owner.labels)}, 'pending', 0, 0, ${now.getTime()}, ${now.getTime()},
      ${now.toISOString()})
    ON CONFLICT (delivery_id) DO NOTHING`;
}

export interface AttemptRecord {
  readonly delivery: Delivery;
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly url: string | null;
  readonly httpStatus: number | null;
  readonly error: string | null;
  /** What becomes of the delivery after this attempt. */
  readonly next:
    | { readonly status: "delivered"; readonly at: Date }
    | { readonly status: "pending"; readonly nextAttemptAt: number }
    | { readonly status: "dead"; readonly at: Date };
}

/** The attempt row and the delivery's new state; guarded on the attempt count so a stale worker is a no-op. */
export function recordAttempt(a: AttemptRecord): Statement[] {
  const d = a.delivery;
  const attempt = d.attempts + 1;
  const next = a.next;
  return [
    sql`INSERT INTO {{notifier_attempts}} (delivery_id, round, attempt, started_at, duration_ms, url,
        http_status, error, outcome)
      VALUES (${d.deliveryId}, ${d.replays}, ${attempt}, ${a.startedAt.toISOString()}, ${a.durationMs},
        ${a.url}, ${a.httpStatus}, ${a.error}, ${next.status === "delivered" ? "delivered" : "failed"})
      ON CONFLICT DO NOTHING`,
    sql`UPDATE {{notifier_deliveries}} SET status = ${next.status}, attempts = ${attempt},
        url = COALESCE(${a.url}, url),
        next_attempt_at = ${next.status === "pending" ? next.nextAttemptAt : null},
        delivered_at = ${next.status === "delivered" ? next.at.toISOString() : null},
        dead_at = ${next.status === "dead" ? next.at.toISOString() : null},
        last_error = ${a.error}
      WHERE delivery_id = ${d.deliveryId} AND status = 'pending' AND attempts = ${d.attempts}
        AND replays = ${d.replays}`,
  ];
}

/** A dead letter back to pending, due now, with a fresh round of attempts (the old ones stay on record). */
export function replayDelivery(deliveryId: string, now: Date): Statement {
  return sql`UPDATE {{notifier_deliveries}} SET status = 'pending', attempts = 0, replays = replays + 1,
      pending_since = ${now.getTime()}, next_attempt_at = ${now.getTime()}, dead_at = NULL, last_error = NULL
    WHERE delivery_id = ${deliveryId} AND status = 'dead'`;
}

export type ReplayResult = "replayed" | "not_found" | "not_dead";
