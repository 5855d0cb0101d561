/**
 * How the publisher loop waits: a sleep cut short by stop(), and, when the loop asks for it, by an append
 * since it last looked (`seen`), so a new event is sent at once instead of at the next poll.
 */
export class Wakeup {
  #count = 0;
  #waiting: (() => void) | undefined;
  #stopped = false;
  readonly #stopSignal: Promise<void>;
  #signalStop: () => void = () => {};

  constructor() {
    this.#stopSignal = new Promise((resolve) => {
      this.#signalStop = resolve;
    });
  }

  /** Appends seen so far: pass it to sleep() to be woken by any append after it. */
  get seen(): number {
    return this.#count;
  }

  wake(): void {
    this.#count++;
    this.#waiting?.();
  }

  stop(): void {
    this.#stopped = true;
    this.#signalStop();
    this.wake();
  }

  sleep(ms: number, options: { wakeable: boolean; seen?: number } = { wakeable: false }): Promise<void> {
    const seen = options.seen ?? this.#count;
    if (this.#stopped || (options.wakeable && this.#count !== seen)) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        if (this.#waiting === finish) this.#waiting = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      if (options.wakeable) this.#waiting = finish;
      void this.#stopSignal.then(finish);
    });
  }
}
