import type { AppendOptions, AppendResult, EventToAppend } from "./port.ts";

/** One append waiting for its batch: what was asked, and how to answer the caller. */
export interface PendingAppend {
  readonly streamId: string;
  readonly events: readonly EventToAppend[];
  /** Each event's data, serialised once by validateAppend. */
  readonly dataJson: readonly string[];
  readonly options: AppendOptions;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/** Writes one batch in one transaction and settles every append in it; never throws. */
export type WriteBatch = (batch: PendingAppend[]) => void | Promise<void>;

/** Watches group commit from outside (the /metrics of the process); the queue works the same without one. */
export interface AppendObserver {
  /** A batch was written (committed, or failed as a whole): how many appends it held, how long it took. */
  batchWritten(appends: number, seconds: number): void;
  /** One append settled, `seconds` after it was queued: stored (`error` undefined) or refused. */
  appendSettled(seconds: number, error: unknown): void;
}

/**
 * Group commit's queue, for the adapters that write through one connection of their own. Appends that
 * arrive during one turn of the event loop, or while the previous batch is being written, go in the next
 * batch (up to `maxBatch`), so one commit and one fsync serve all of them. One batch at a time: the queue
 * is the process's single writer, which is what keeps positions in commit order.
 */
export class AppendQueue {
  readonly #write: WriteBatch;
  readonly #maxBatch: number;
  readonly #observer: AppendObserver | undefined;
  #queue: PendingAppend[] = [];
  #scheduled = false;
  #writing: Promise<void> | undefined;

  constructor(write: WriteBatch, maxBatch: number, observer?: AppendObserver) {
    this.#write = write;
    this.#maxBatch = maxBatch;
    this.#observer = observer;
  }

  /** Queues a validated append; resolves once its batch has committed. */
  enqueue(request: Omit<PendingAppend, "resolve" | "reject">): Promise<AppendResult> {
    const queued = new Promise<AppendResult>((resolve, reject) => {
      this.#queue.push({ ...request, resolve, reject });
      this.#schedule();
    });
    const observer = this.#observer;
    if (!observer) return queued;
    const queuedAt = performance.now();
    const settled = (error: unknown) => observer.appendSettled(secondsSince(queuedAt), error);
    queued.then(() => settled(undefined), settled);
    return queued;
  }

  /** Writes everything queued, batch after batch, and resolves once the last batch is settled. */
  async drain(): Promise<void> {
    while (this.#writing || this.#queue.length > 0) {
      if (this.#writing) await this.#writing;
      else this.#writeNext();
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#writing) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#writeNext();
    });
  }

  #writeNext(): void {
    if (this.#writing) return;
    const batch = this.#queue.splice(0, this.#maxBatch);
    if (batch.length === 0) return;
    const began = performance.now();
    const observe = () => this.#observer?.batchWritten(batch.length, secondsSince(began));
    const written = this.#write(batch);
    if (written) {
      this.#writing = written.finally(() => {
        observe();
        this.#writing = undefined;
        if (this.#queue.length > 0) this.#schedule();
      });
    } else {
      observe();
      if (this.#queue.length > 0) this.#schedule();
    }
  }
}

function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}
