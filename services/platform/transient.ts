import { ConcurrencyExhausted } from "./command-handler.ts";
import { EventStoreUnavailable } from "./eventstore/port.ts";
import { ReadStoreUnavailable } from "./readstore/port.ts";

/**
 * Failures that wrote nothing and may succeed on a retry: a store out of reach, or a stream so contended
 * that the bounded retries ran out (e.g. a burst of approvals on one buyer's credit line). HTTP answers 503.
 */
export function isTransient(error: unknown): boolean {
  return (
    error instanceof EventStoreUnavailable ||
    error instanceof ReadStoreUnavailable ||
    error instanceof ConcurrencyExhausted
  );
}
