import type { IncomingHttpHeaders } from "node:http";
import { expect } from "vitest";

/**
 * The security headers every server-rendered page carries (services/http/html-page.ts, through helmet): a CSP
 * that allows no script, only the page's hashed stylesheet and forms to us; never framed; no MIME sniffing;
 * HSTS; a cross-origin isolation pair; no `x-powered-by`.
 */
export function expectPageSecurityHeaders(headers: IncomingHttpHeaders | Record<string, unknown>): void {
  const csp = String(headers["content-security-policy"]);
  expect(csp).toMatch(/^default-src 'none';style-src 'sha256-[A-Za-z0-9+/=]+';form-action 'self'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("base-uri 'none'");
  expect(csp).not.toContain("script-src");
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("same-origin");
  expect(String(headers["strict-transport-security"])).toMatch(/max-age=\d+/);
  expect(headers["cross-origin-opener-policy"]).toBe("same-origin");
  expect(headers["cross-origin-resource-policy"]).toBe("same-origin");
  expect(headers["x-powered-by"]).toBeUndefined();
  expect(headers["cache-control"]).toBe("no-store");
}
