import { setTimeout as delay } from "node:timers/promises";
import type { EventEnvelope } from "../../../contracts/envelope.ts";
import { positionAfter } from "./esdb-mapping.ts";
import type { SubscribeOptions, Subscription } from "./port.ts";

/** One server-side subscription: items in log order until it ends or fails. */
export interface SubscriptionSource<Item> extends AsyncIterable<Item> {
  /** Cancels the server call and ends the iteration; safe to call more than once. */
  close(): Promise<void>;
}

export interface RetryInfo {
  readonly error: unknown;
  /** Consecutive drops without a confirmed subscription or a delivered event in between, from 1. */
  readonly attempt: number;
  readonly delayMs: number;
  /** Where the next subscription starts (exclusive): the last position handled. */
  readonly after: string;
}

export interface ResubscribingOptions<Item> extends SubscribeOptions {
  /**
   * Opens a subscription delivering the items strictly after `after` (the source may repeat items at or
   * before it: they are skipped). `confirmed` is called when the server confirms the subscription.
   */
  readonly open: (after: string, confirmed: () => void) => SubscriptionSource<Item>;
  /** The envelope of an item, or undefined to skip it (a system record). Throwing stops the subscription. */
  readonly toEvent: (item: Item) => EventEnvelope | undefined;
  /** True when the subscription dropped for a reason worth resubscribing after (network, server restart). */
  readonly isTransient: (error: unknown) => boolean;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly onRetry?: (info: RetryInfo) => void;
  /** For tests; resolves after `ms`, or as soon as `signal` aborts (stop()). */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random?: () => number;
}

/** The subscription ended without an error while nobody asked it to stop: the server closed the call. */
export class SubscriptionEnded extends Error {
  override name = "SubscriptionEnded";
}

const defaultSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  delay(ms, undefined, { signal }).catch(() => {});

/**
 * A catch-up subscription that survives drops. The client (like ESDB's gRPC API) ends a subscription when
 * the connection or the server fails and never resubscribes by itself; this loop does, from the position of
 * the last event the handler finished, so nothing is skipped and, because the handler is awaited before the
 * position moves, nothing handled is handed over again.
 *
 * - Sequential: items are pulled with async iteration, so the next one is not taken before `onEvent`'s
 *   promise settles; the client's stream buffers a few items and applies backpressure to the server.
 * - Exclusive and deduplicated: any item at or before the last handled position is skipped, which covers a
 *   server that re-sends the start position and the overlap after a resubscribe.
 * - Drops: a transient error, or the server ending the call, closes that source and opens a new one after
 *   an exponential backoff with jitter (initialBackoffMs doubling up to maxBackoffMs). The backoff resets
 *   once a new subscription is confirmed or delivers an event, so a flapping link backs off but a healthy
 *   one that drops once a day resubscribes at once. Transient drops are not reported through onError (the
 *   port defines onError as terminal); `onRetry` sees them, and a subscription that cannot get back shows
 *   as growing lag.
 * - Terminal: a handler that throws, an item that is not a ledger event, or a non-transient error (e.g.
 *   access denied) is reported once through onError and the subscription stops.
 * - stop(): lets the handler in hand finish, cancels the server call, ends any backoff wait, and resolves
 *   when the loop has exited.
 */
export function resubscribingSubscription<Item>(options: ResubscribingOptions<Item>): Subscription {
  return new Resubscribing(options);
}

class Resubscribing<Item> implements Subscription {
  readonly #options: ResubscribingOptions<Item>;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #stopRequested = new AbortController();
  readonly #done: Promise<void>;
  #lastPosition: string;
  #stopping = false;
  #current: SubscriptionSource<Item> | undefined;
  /** Consecutive drops since the last confirmed subscription or delivered item. */
  #attempt = 0;

  constructor(options: ResubscribingOptions<Item>) {
    this.#options = options;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#lastPosition = options.after;
    this.#done = this.#run().catch((error: unknown) => {
      this.#stopping = true;
      options.onError(error instanceof Terminal ? error.cause : error);
    });
  }

  get lastPosition(): string {
    return this.#lastPosition;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#stopRequested.abort();
    await this.#current?.close().catch(() => {});
    await this.#done;
  }

  /** Subscribes again after each drop, backing off, until asked to stop or stopped by a terminal error. */
  async #run(): Promise<void> {
    while (!this.#stopping) {
      const outcome = await this.#runOnce();
      if (outcome === undefined || this.#stopping) return;
      this.#attempt++;
      const delayMs = this.#backoffMs();
      this.#options.onRetry?.({
        error: outcome.dropped,
        attempt: this.#attempt,
        delayMs,
        after: this.#lastPosition,
      });
      await this.#sleep(delayMs, this.#stopRequested.signal);
    }
  }

  /** Runs one server subscription; returns why it dropped, or undefined when asked to stop. */
  async #runOnce(): Promise<{ dropped: unknown } | undefined> {
    const source = this.#options.open(this.#lastPosition, () => {
      this.#attempt = 0;
    });
    this.#current = source;
    try {
      for await (const item of source) {
        if (this.#stopping) return undefined;
        this.#attempt = 0;
        await this.#handle(item);
        if (this.#stopping) return undefined;
      }
      return this.#stopping
        ? undefined
        : { dropped: new SubscriptionEnded("the server ended the subscription") };
    } catch (error) {
      if (error instanceof Terminal) throw error;
      if (this.#stopping) return undefined;
      if (!this.#options.isTransient(error)) throw error;
      return { dropped: error };
    } finally {
      this.#current = undefined;
      await source.close().catch(() => {});
    }
  }

  /** Hands an item's event to the handler unless it is at or before the last one handled. */
  async #handle(item: Item): Promise<void> {
    let event: EventEnvelope | undefined;
    try {
      event = this.#options.toEvent(item);
    } catch (error) {
      throw new Terminal(error);
    }
    if (event === undefined || !positionAfter(event.position, this.#lastPosition)) return;
    try {
      await this.#options.onEvent(event);
    } catch (error) {
      throw new Terminal(error);
    }
    // Only once the handler has finished: a resubscribe never skips an event it was still handling.
    this.#lastPosition = event.position;
  }

  /** Exponential from initialBackoffMs up to maxBackoffMs, with equal jitter. */
  #backoffMs(): number {
    const initialBackoffMs = this.#options.initialBackoffMs ?? 100;
    const maxBackoffMs = this.#options.maxBackoffMs ?? 5_000;
    const random = this.#options.random ?? Math.random;
    const ceiling = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (this.#attempt - 1));
    // Equal jitter: at least half the ceiling, so many subscribers dropped together spread out.
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  }
}

/** Wraps an error from the handler or from mapping an item, so it is never mistaken for a dropped connection. */
class Terminal extends Error {
  constructor(cause: unknown) {
    super("the subscription stopped on an error", { cause });
  }
}
