// The cookies a server-rendered page needs (the hosted checkout page, the Partner API onboarding pages), without a cookie library: parse the Cookie header, write Set-Cookie.

/** Cookie names and values we read are tokens of these characters; anything else is ignored. */
const TOKEN = /^[A-Za-z0-9._~-]+$/;

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    // The first occurrence wins (the most specific path comes first, RFC 6265 §5.4).
    if (TOKEN.test(name) && TOKEN.test(value) && !cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

export interface CookieOptions {
  readonly path: string;
  /** Seconds; 0 deletes the cookie. Absent: a browser-session cookie. */
  readonly maxAge?: number;
  readonly secure: boolean;
}

/** Always HttpOnly and SameSite=Lax: scripts never see it and cross-site posts never carry it. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  if (!TOKEN.test(name)) throw new TypeError(`cookie name ${JSON.stringify(name)} is not a token`);
  if (value !== "" && !TOKEN.test(value)) throw new TypeError("cookie value is not a token");
  const parts = [`${name}=${value}`, `Path=${options.path}`, "HttpOnly", "SameSite=Lax"];
  if (options.maxAge !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAge))}`);
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}
