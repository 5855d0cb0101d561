import { describe, expect, it } from "vitest";
import { redactedUrl } from "./log-redaction.ts";

describe("a logged URL", () => {
  it.each([
    ["/kredivo/buyers/pin/abc123", "/kredivo/buyers/pin/[redacted]"],
    ["/kredivo/buyers/pin/abc123?lang=en", "/kredivo/buyers/pin/[redacted]?lang=en"],
    [
      "/kredmint/auth/?sid=s1&userId=USR-1&token=t0k3n",
      "/kredmint/auth/?sid=s1&userId=USR-1&token=[redacted]",
    ],
    [
      "/kredmint/auth?partnerId=p&clientToken=ct&mobile=9819413273",
      "/kredmint/auth?partnerId=p&clientToken=[redacted]&mobile=9819413273",
    ],
    [
      "/kredmint/files/USR-1/abc-file?expires=1&signature=s1g",
      "/kredmint/files/USR-1/abc-file?expires=1&signature=[redacted]",
    ],
    [
      "/v1/finance/trial-balance?asOfTime=2026-01-01T00:00:00Z",
      "/v1/finance/trial-balance?asOfTime=2026-01-01T00:00:00Z",
    ],
  ])("%s is logged as %s", (url, logged) => {
    expect(redactedUrl(url)).toBe(logged);
  });
});
