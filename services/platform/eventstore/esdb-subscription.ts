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
  const initialBackoffMs = options.initialBackoffMs ?? 100;
  const maxBackoffMs = options.maxBackoffMs ?? 5_000;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;

  let lastPosition = options.after;
  let stopping = false;
  let current: SubscriptionSource<Item> | undefined;
  const stopRequested = new AbortController();

  /** Consecutive drops since the last confirmed subscription or delivered item. */
  let attempt = 0;

  /** Runs one server subscription; returns why it dropped, or undefined when asked to stop. */
  const runOnce = async (): Promise<{ dropped: unknown } | undefined> => {
    const source = options.open(lastPosition, () => {
      attempt = 0;
    });
    current = source;
    try {
      for await (const item of source) {
        if (stopping) return undefined;
        attempt = 0;
        let event: EventEnvelope | undefined;
        try {
          event = options.toEvent(item);
        } catch (error) {
          throw new Terminal(error);
        }
        if (event === undefined || !positionAfter(event.position, lastPosition)) continue;
        try {
          await options.onEvent(event);
        } catch (error) {
          throw new Terminal(error);
        }
        lastPosition = event.position;
        if (stopping) return undefined;
      }
      return stopping ? undefined : { dropped: new SubscriptionEnded("the server ended the subscription") };
    } catch (error) {
      if (error instanceof Terminal) throw error;
      if (stopping) return undefined;
      if (!options.isTransient(error)) throw error;
      return { dropped: error };
    } finally {
      current = undefined;
      await source.close().catch(() => {});
    }
  };

  const run = async (): Promise<void> => {
    while (!stopping) {
      const outcome = await runOnce();
      if (outcome === undefined || stopping) return;
      attempt++;
      const ceiling = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (attempt - 1));
      // Equal jitter: at least half the ceiling, so many subscribers dropped together spread out.
      const delayMs = Math.round(ceiling / 2 + (random() * ceiling) / 2);
      options.onRetry?.({ error: outcome.dropped, attempt, delayMs, after: lastPosition });
      await sleep(delayMs, stopRequested.signal);
    }
  };

  const done = run().catch((error: unknown) => {
    stopping = true;
    options.onError(error instanceof Terminal ? error.cause : error);
  });

  return {
    get lastPosition() {
      return lastPosition;
    },
    async stop() {
      stopping = true;
      stopRequested.abort();
      await current?.close().catch(() => {});
      await done;
    },
  };
}

/** Wraps an error from the handler or from mapping an item, so it is never mistaken for a dropped connection. */
class Terminal extends Error {
  constructor(cause: unknown) {
    super("the subscription stopped on an error", { cause });
  }
}
