/** The position of the last event the broker acknowledged, and the callers waiting for it to reach theirs. */
export class AcknowledgedPosition {
  #position: string;
  #closed = false;
  readonly #waiters = new Set<{ readonly target: bigint; readonly done: (ok: boolean) => void }>();

  constructor(position: string) {
    this.#position = position;
  }

  get position(): string {
    return this.#position;
  }

  advance(to: string): void {
    this.#position = to;
    const reached = BigInt(to);
    for (const waiter of this.#waiters) {
      if (reached >= waiter.target) waiter.done(true);
    }
  }

  /** Resolves true once `target` is acknowledged, false after `timeoutMs` or when closed first. */
  reached(target: string, timeoutMs: number): Promise<boolean> {
    if (BigInt(this.#position) >= BigInt(target)) return Promise.resolve(true);
    if (this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = {
        target: BigInt(target),
        done: (ok: boolean) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(ok);
        },
      };
      const timer = setTimeout(() => waiter.done(false), timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** Nothing more will be acknowledged: every waiter gets false. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters) waiter.done(false);
  }
}
