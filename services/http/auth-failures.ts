import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

// Failed authentications (a server_key, a partner's Basic credentials, a /v1 API key that is not ours) are
// counted per client in fixed windows; past the limit the client is answered 429 with Retry-After in its
// API's own envelope until its window ends. One limiter serves /v1, /kredivo and /kredmint (the app shell
// decorates it; each API's auth asks it before checking a credential and tells it of each failure).
//
// Two counters: per remote address, and per claimed identity (a partner id) where the request names one.
// An address past the limit is refused whatever it sends. An identity past the limit is refused only from
// addresses that have themselves failed in the window: a distributed guesser gets one try per address and
// window, while the owner, from an address that has not failed, is never locked out by someone else's
// failures. A success resets nothing: it does not forgive an address's earlier failures.

export interface AuthFailureLimitOptions {
  /** Failures per window after which a client is refused. */
  readonly limit: number;
  readonly windowMs: number;
  readonly now: () => number;
  /** Counters kept at most (an address flood must not grow memory without bound); default 100 000. */
  readonly maxKeys?: number;
}

/** Who tries: the remote address, and the identity the credential claims when it names one. */
export interface AuthClient {
  readonly address: string;
  readonly identity?: string;
}

interface Window {
  count: number;
  readonly endsAtMs: number;
}

export class AuthFailureLimiter {
  readonly #options: AuthFailureLimitOptions;
  readonly #windows = new Map<string, Window>();

  constructor(options: AuthFailureLimitOptions) {
    this.#options = options;
  }

  /** Seconds until `client` may try again (for Retry-After), or undefined when it may try now. */
  retryAfterSeconds(client: AuthClient): number | undefined {
    const now = this.#options.now();
    const address = this.#live(`address:${client.address}`, now);
    const identity = client.identity === undefined ? undefined : this.#live(`id:${client.identity}`, now);
    const blocked = [
      address !== undefined && address.count >= this.#options.limit ? address : undefined,
      identity !== undefined && identity.count >= this.#options.limit && address !== undefined
        ? identity
        : undefined,
    ].filter((w) => w !== undefined);
    if (blocked.length === 0) return undefined;
    const endsAtMs = Math.max(...blocked.map((w) => w.endsAtMs));
    return Math.max(1, Math.ceil((endsAtMs - now) / 1000));
  }

  /** Counts one failed authentication of `client`. */
  failed(client: AuthClient): void {
    const now = this.#options.now();
    this.#count(`address:${client.address}`, now);
    if (client.identity !== undefined) this.#count(`id:${client.identity}`, now);
  }

  #live(key: string, now: number): Window | undefined {
    const window = this.#windows.get(key);
    if (window === undefined || window.endsAtMs > now) return window;
    this.#windows.delete(key);
    return undefined;
  }

  #count(key: string, now: number): void {
    const window = this.#live(key, now);
    if (window !== undefined) {
      window.count += 1;
      return;
    }
    this.#evict(now);
    this.#windows.set(key, { count: 1, endsAtMs: now + this.#options.windowMs });
  }

  /** Room for one more counter: expired ones first, then the oldest (insertion order). */
  #evict(now: number): void {
    const max = this.#options.maxKeys ?? 100_000;
    if (this.#windows.size < max) return;
    for (const [key, window] of this.#windows) if (window.endsAtMs <= now) this.#windows.delete(key);
    for (const key of this.#windows.keys()) {
      if (this.#windows.size < max) break;
      this.#windows.delete(key);
    }
  }
}

declare module "fastify" {
  interface FastifyInstance {
    /** The app's one limiter of failed authentications (auth-failures.ts). */
    authFailures: AuthFailureLimiter;
  }
}

/** Defaults when nothing is configured (AUTH_FAILURE_LIMIT, AUTH_FAILURE_WINDOW_MS). */
export const AUTH_FAILURE_DEFAULTS = { limit: 20, windowMs: 300_000 } as const;

/**
 * The app's limiter: the shell decorates it (buildApp); an API's auth plugin registered on a bare app (a
 * test's) brings the default one, so it never runs without.
 */
export function authFailuresOf(app: FastifyInstance): AuthFailureLimiter {
  if (!app.hasDecorator("authFailures")) {
    app.decorate("authFailures", new AuthFailureLimiter({ ...AUTH_FAILURE_DEFAULTS, now: Date.now }));
  }
  return app.authFailures;
}

/** The client of a request: its address, and the identity its credential claims. */
export function authClient(request: FastifyRequest, identity?: string): AuthClient {
  return identity === undefined ? { address: request.ip } : { address: request.ip, identity };
}

/** Sets Retry-After on a refused request; answers whether it was refused. */
export function refuseWhenLimited(
  limiter: AuthFailureLimiter,
  client: AuthClient,
  reply: FastifyReply,
): number | undefined {
  const seconds = limiter.retryAfterSeconds(client);
  if (seconds !== undefined) reply.header("Retry-After", String(seconds));
  return seconds;
}
