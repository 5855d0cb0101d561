import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import { parseCookies, serializeCookie } from "./cookies.ts";

// A server-rendered page's session: a cookie that carries its own state, HMAC-signed under a secret (the
// cookie's name is signed with it, so two pages sharing a secret never accept each other's), HttpOnly and
// SameSite=Lax, scoped to the pages' path, with an expiry inside. Every form post also carries a double-submit
// CSRF token (cookie + hidden field) and is refused when the browser says it came from another origin.

export interface PageSession<State> {
  read(request: FastifyRequest, nowMs: number): State | undefined;
  write(request: FastifyRequest, reply: FastifyReply, state: State): void;
  clear(request: FastifyRequest, reply: FastifyReply): void;
  /** This browser's CSRF token, minted (and set) on first sight. */
  csrf(request: FastifyRequest, reply: FastifyReply): string;
  /** A post that did not come from our page: another origin, or a token that is not this browser's. */
  forged(request: FastifyRequest, token: string): boolean;
}

export interface PageSessionOptions<Schema extends z.ZodType<{ expiresAtMs: number }>> {
  readonly schema: Schema;
  /** The cookie's name; `<name>_csrf` holds the CSRF token. */
  readonly name: string;
  readonly secret: string;
  readonly path: string;
  readonly maxAgeSeconds: number;
  readonly publicBaseUrl: () => string;
}

export function pageSession<Schema extends z.ZodType<{ expiresAtMs: number }>>(
  options: PageSessionOptions<Schema>,
): PageSession<z.output<Schema>> {
  const csrfCookie = `${options.name}_csrf`;
  const sign = (body: string) =>
    createHmac("sha256", options.secret).update(`${options.name}:${body}`).digest("base64url");
  const cookieOptions = (request: FastifyRequest, maxAge = options.maxAgeSeconds) => ({
    path: options.path,
    secure: request.protocol === "https" || options.publicBaseUrl().startsWith("https:"),
    maxAge,
  });
  const cookies = (request: FastifyRequest) => parseCookies(request.headers.cookie);
  // fastify appends a set-cookie header to the ones already set.
  const setCookie = (reply: FastifyReply, cookie: string) => reply.header("set-cookie", cookie);
  const sameToken = (a: string, b: string) => {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
  };

  return {
    read(request, nowMs) {
      const [body = "", signature = ""] = (cookies(request).get(options.name) ?? "").split(".");
      if (body === "" || !sameToken(sign(body), signature)) return undefined;
      try {
        const parsed = options.schema.safeParse(JSON.parse(Buffer.from(body, "base64url").toString("utf8")));
        return parsed.success && parsed.data.expiresAtMs >= nowMs ? parsed.data : undefined;
      } catch {
        return undefined;
      }
    },
    write(request, reply, state) {
      const body = Buffer.from(JSON.stringify(state)).toString("base64url");
      setCookie(reply, serializeCookie(options.name, `${body}.${sign(body)}`, cookieOptions(request)));
    },
    clear(request, reply) {
      setCookie(reply, serializeCookie(options.name, "", cookieOptions(request, 0)));
    },
    csrf(request, reply) {
      const existing = cookies(request).get(csrfCookie);
      if (existing !== undefined) return existing;
      const token = randomBytes(24).toString("base64url");
      setCookie(reply, serializeCookie(csrfCookie, token, cookieOptions(request)));
      return token;
    },
    forged(request, token) {
      const site = request.headers["sec-fetch-site"];
      if (site !== undefined && site !== "same-origin" && site !== "none") return true;
      const origin = request.headers.origin;
      const ours = new Set([`${request.protocol}://${request.host}`]);
      try {
        ours.add(new URL(options.publicBaseUrl()).origin);
      } catch {
        // No public base URL: only the request's own origin.
      }
      if (origin !== undefined && !ours.has(origin)) return true;
      const cookie = cookies(request).get(csrfCookie);
      return cookie === undefined || token === "" || !sameToken(cookie, token);
    },
  };
}
