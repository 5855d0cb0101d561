import { setTimeout as sleep } from "node:timers/promises";
import type { AttemptObserver, AttemptOutcome } from "./metrics.ts";
import type { NotifierLogger } from "./outbox.ts";
import { nextStep, type RetrySchedule } from "./schedule.ts";
import { type SendResult, sendDelivery } from "./send.ts";
import type { DeliverySource } from "./source.ts";
import { type AttemptRecord, type Delivery, type NotifierStore, recordAttempt } from "./store.ts";

// setTimeout's longest delay; a later retry simply re-arms when this fires.
const MAX_TIMER_MS = 2 ** 31 - 1;
const PUMP_RETRY_MS = 1000;

/**
 * Sends due deliveries, at most `concurrency` at once, so a receiver that hangs until the timeout only
 * holds its own slots. It wakes when the outbox records a delivery, when a send finishes, and on one timer
 * armed for the earliest `next_attempt_at`: no polling. At start it picks up whatever is due, so deliveries
 * left undelivered by a restart go out. Delivery is at least once: a crash between sending and recording
 * sends again, with the same `webhook-id`, for the receiver to dedupe.
 */
export class DeliveryWorker {
  readonly #sources: ReadonlyMap<string, DeliverySource>;
  readonly #deliveries: NotifierStore;
  readonly #logger: NotifierLogger;
  readonly #now: () => Date;
  readonly #schedule: RetrySchedule;
  readonly #timeoutMs: number;
  readonly #concurrency: number;
  readonly #onAttempt: AttemptObserver | undefined;
  readonly #inFlight = new Map<string, Promise<void>>();
  /**
   * Deliveries whose attempt ended while a pump's read of the pending ones was out: that read may predate the
   * attempt's record and still show them due, so the pump leaves them to the next one (which the ending
   * attempt wakes) instead of sending them again.
   */
  readonly #endedDuringRead = new Set<string>();
  readonly #stopping = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #pumpScheduled = false;
  #pumping: Promise<void> | undefined;
  #changeWaiters: (() => void)[] = [];

  constructor(options: {
    sources: ReadonlyMap<string, DeliverySource>;
    deliveries: NotifierStore;
    logger: NotifierLogger;
    now: () => Date;
    schedule: RetrySchedule;
    timeoutMs: number;
    concurrency: number;
    /** Told of every recorded attempt (the process's /metrics). */
    onAttempt?: AttemptObserver;
  }) {
    this.#sources = options.sources;
    this.#deliveries = options.deliveries;
    this.#logger = options.logger;
    this.#now = options.now;
    this.#schedule = options.schedule;
    this.#timeoutMs = options.timeoutMs;
    this.#concurrency = options.concurrency;
    this.#onAttempt = options.onAttempt;
  }

  /** Look for due deliveries soon; calls within one turn of the event loop coalesce. */
  wake(): void {
    if (this.#pumpScheduled || this.#stopping.signal.aborted) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      void this.#pump();
    });
  }

  /** True when nothing is in flight, no pump is pending and no delivery is due now (or it stopped). */
  async isIdle(): Promise<boolean> {
    if (this.#stopping.signal.aborted) return this.#inFlight.size === 0;
    if (this.#inFlight.size > 0 || this.#pumpScheduled || this.#pumping) return false;
    const [first] = (await this.#deliveries.pending(1)).filter((d) => !this.#inFlight.has(d.deliveryId));
    return first === undefined || (first.nextAttemptAt ?? 0) > this.#now().getTime();
  }

  /** Resolves at the next pump or finished send. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.#changeWaiters.push(resolve));
  }

  /** Interrupts sends in flight (recorded as interrupted, due again at once) and waits for their records. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    clearTimeout(this.#timer);
    await this.#pumping;
    await Promise.all(this.#inFlight.values());
    this.#signalChange();
  }

  #pump(): Promise<void> {
    if (this.#pumping) {
      // A pump is running: look again right after it, since it may have read before this wake's cause.
      this.#pumping.then(() => this.wake());
      return this.#pumping;
    }
    this.#pumping = this.#pumpOnce()
      .catch((error: unknown) => {
        this.#logger.error({ err: error }, "notifier worker could not read deliveries");
        this.#arm(this.#now().getTime() + PUMP_RETRY_MS);
      })
      .finally(() => {
        this.#pumping = undefined;
        this.#signalChange();
      });
    return this.#pumping;
  }

  async #pumpOnce(): Promise<void> {
    if (this.#stopping.signal.aborted) return;
    const free = this.#concurrency - this.#inFlight.size;
    if (free <= 0) return; // a finishing send pumps again
    this.#endedDuringRead.clear();
    const candidates = (await this.#deliveries.pending(this.#inFlight.size + free)).filter(
      (d) => !this.#inFlight.has(d.deliveryId) && !this.#endedDuringRead.has(d.deliveryId),
    );
    const now = this.#now().getTime();
    const due = candidates.filter((d) => (d.nextAttemptAt ?? now) <= now).slice(0, free);
    for (const delivery of due) this.#launch(delivery);
    // If every slot is now busy, the next finished send pumps; otherwise sleep until the next one is due.
    const next = candidates.find((d) => !this.#inFlight.has(d.deliveryId));
    clearTimeout(this.#timer);
    if (next && this.#inFlight.size < this.#concurrency) this.#arm(next.nextAttemptAt ?? now);
  }

  #arm(at: number): void {
    if (this.#stopping.signal.aborted) return;
    clearTimeout(this.#timer);
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, at - this.#now().getTime()));
    this.#timer = setTimeout(() => this.wake(), delay);
    this.#timer.unref();
  }

  #launch(delivery: Delivery): void {
    const done = this.#attempt(delivery)
      .catch(async (error: unknown) => {
        // Not recorded (the store failed): the delivery stays due and is sent again, but only after a
        // pause held in its slot, so a broken store never turns into a hot loop against the receiver.
        this.#logger.error({ err: error, deliveryId: delivery.deliveryId }, "notifier attempt not recorded");
        await sleep(PUMP_RETRY_MS, undefined, { signal: this.#stopping.signal }).catch(() => {});
      })
      .finally(() => {
        this.#inFlight.delete(delivery.deliveryId);
        if (this.#pumping) this.#endedDuringRead.add(delivery.deliveryId);
        this.#signalChange();
        this.wake();
      });
    this.#inFlight.set(delivery.deliveryId, done);
  }

  async #attempt(delivery: Delivery): Promise<void> {
    const startedAt = this.#now();
    const started = performance.now();
    let url: string | null = null;
    let result: SendResult;
    try {
      const source = this.#sources.get(delivery.source);
      if (source === undefined)
        throw new Error(`source ${delivery.source} is not registered in this notifier`);
      const request = await source.request(delivery);
      url = request.url;
      result = await sendDelivery({
        request,
        reply: source.reply,
        id: delivery.deliveryId,
        now: startedAt,
        timeoutMs: this.#timeoutMs,
        stop: this.#stopping.signal,
      });
    } catch (error) {
      // No request could be built from the log: retried like a failed send, so it ends as a dead letter.
      const message = `request not built: ${error instanceof Error ? error.message : String(error)}`;
      result = {
        delivered: false,
        httpStatus: null,
        error: message,
        retryAfterMs: undefined,
        interrupted: false,
      };
    }
    const finishedAt = this.#now();
    const record: AttemptRecord = {
      delivery,
      startedAt,
      durationMs: Math.round(performance.now() - started),
      url,
      httpStatus: result.httpStatus,
      error: result.error,
      next: this.#next(delivery, result, finishedAt),
    };
    await this.#deliveries.write(recordAttempt(record));
    this.#onAttempt?.(delivery.source, outcomeOf(record.next, result));
    const log = {
      deliveryId: delivery.deliveryId,
      source: delivery.source,
      attempt: delivery.attempts + 1,
      ...record.next,
    };
    if (record.next.status === "dead")
      this.#logger.warn({ ...log, error: result.error }, "delivery dead-lettered");
    else if (record.next.status === "delivered") this.#logger.info(log, "delivered");
    else this.#logger.info({ ...log, error: result.error }, "delivery attempt failed");
  }

  #next(delivery: Delivery, result: SendResult, at: Date): AttemptRecord["next"] {
    if (result.delivered) return { status: "delivered", at };
    // Cut short by our own shutdown: not the receiver's fault, so due again at once and never dead here.
    if (result.interrupted) return { status: "pending", nextAttemptAt: at.getTime() };
    const step = nextStep(this.#schedule, delivery, at, result.retryAfterMs);
    return "dead" in step ? { status: "dead", at } : { status: "pending", nextAttemptAt: step.retryAt };
  }

  #signalChange(): void {
    for (const resolve of this.#changeWaiters.splice(0)) resolve();
  }
}

function outcomeOf(next: AttemptRecord["next"], result: SendResult): AttemptOutcome {
  if (next.status === "delivered") return "delivered";
  if (next.status === "dead") return "dead_letter";
  return result.interrupted ? "interrupted" : "retry";
}
