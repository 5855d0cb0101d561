import type { EventEnvelope } from "../../contracts/envelope.ts";
import type { EventStore, Subscription } from "../platform/eventstore/port.ts";
import type { Statement } from "../platform/readstore/port.ts";
import { type DeliverySource, ownerOf } from "./source.ts";
import { type NotifierStore, recordDelivery } from "./store.ts";

export interface NotifierLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

const BATCH = 500;
const RESUBSCRIBE_MS = 1000;

/**
 * Tails the log from the notifier's checkpoint and records a delivery for every event a registered source
 * delivers, in the same transaction as the checkpoint. Events no source wants still advance the
 * checkpoint (batched per event-loop turn), so the notifier's lag reads true in /readyz. The request path
 * never sends anything: it appends an event, and this is the only way a delivery begins.
 */
export class Outbox {
  readonly #store: EventStore;
  readonly #sources: ReadonlyMap<string, DeliverySource>;
  readonly #deliveries: NotifierStore;
  readonly #logger: NotifierLogger;
  readonly #now: () => Date;
  readonly #onRecorded: () => void;
  #subscription: Subscription | undefined;
  #buffer: EventEnvelope[] = [];
  #flushing: Promise<void> = Promise.resolve();
  #flushScheduled = false;
  #stopped = false;
  #epoch = 0;
  #retry: NodeJS.Timeout | undefined;
  #waiters: { target: bigint; resolve: () => void }[] = [];

  constructor(options: {
    store: EventStore;
    sources: ReadonlyMap<string, DeliverySource>;
    deliveries: NotifierStore;
    logger: NotifierLogger;
    now: () => Date;
    onRecorded: () => void;
  }) {
    this.#store = options.store;
    this.#sources = options.sources;
    this.#deliveries = options.deliveries;
    this.#logger = options.logger;
    this.#now = options.now;
    this.#onRecorded = options.onRecorded;
  }

  start(): void {
    this.#subscribe();
  }

  #subscribe(): void {
    // Each subscription is one epoch: after a failure, events still arriving from the old one are ignored.
    const epoch = ++this.#epoch;
    this.#buffer = [];
    this.#subscription = this.#store.subscribeToAll({
      after: this.#deliveries.checkpoint,
      onEvent: async (event) => {
        if (epoch !== this.#epoch) return;
        this.#buffer.push(event);
        if (this.#buffer.length >= BATCH) await this.#flush();
        else if (!this.#flushScheduled) {
          this.#flushScheduled = true;
          setImmediate(() => void this.#flush().catch(() => {}));
        }
      },
      onError: (error) => this.#failed(error, epoch),
    });
  }

  /** Resolves once the checkpoint has reached `position` (or the outbox stopped). */
  reached(position: string): Promise<void> {
    const target = BigInt(position);
    if (this.#stopped || BigInt(this.#deliveries.checkpoint) >= target) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ target, resolve }));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    await this.#subscription?.stop();
    await this.#flush().catch(() => {});
    for (const w of this.#waiters.splice(0)) w.resolve();
  }

  #flush(): Promise<void> {
    this.#flushScheduled = false;
    const run = this.#flushing.then(async () => {
      const epoch = this.#epoch;
      const events = this.#buffer;
      this.#buffer = [];
      if (events.length === 0) return;
      const now = this.#now();
      const statements: Statement[] = [];
      try {
        for (const event of events) {
          const owner = ownerOf(this.#sources, event);
          if (owner) statements.push(recordDelivery(event, owner, now));
        }
        await this.#deliveries.write(statements, events.at(-1)!.position);
      } catch (error) {
        // Failing here, inside the flush chain, clears the buffer before any later flush can run. A source
        // that breaks an invariant lands here too: the notifier stops (failed in /readyz) and retries.
        this.#failed(error, epoch);
        throw error;
      }
      const checkpoint = BigInt(this.#deliveries.checkpoint);
      this.#waiters = this.#waiters.filter((w) => {
        if (w.target > checkpoint) return true;
        w.resolve();
        return false;
      });
      if (statements.length > 0) this.#onRecorded();
    });
    this.#flushing = run.catch(() => {});
    return run;
  }

  /**
   * The subscription or a write failed: the status says so in /readyz, and after a pause the outbox
   * resumes from its committed checkpoint. Buffered events are dropped and read again from the log, so a
   * failed write never lets the checkpoint skip past an unrecorded delivery.
   */
  #failed(error: unknown, epoch: number): void {
    if (this.#stopped || epoch !== this.#epoch) return;
    this.#epoch++;
    this.#buffer = [];
    void this.#subscription?.stop();
    this.#logger.error({ err: error, checkpoint: this.#deliveries.checkpoint }, "notifier outbox stopped");
    void this.#deliveries.markFailed(String(error)).catch(() => {});
    this.#retry = setTimeout(() => {
      if (this.#stopped) return;
      void this.#deliveries.markRunning().catch(() => {});
      this.#subscribe();
    }, RESUBSCRIBE_MS);
    this.#retry.unref();
  }
}
