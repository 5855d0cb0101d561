import { describe, expect, it } from "vitest";
import { landingLinks } from "./landing-link.ts";

const links = landingLinks("link-secret-0123456789");
const link = {
  partnerId: "sandbox-partner",
  userId: "USR-1",
  page: "profile" as const,
  expiresAtMs: 2_000,
  successDeepLink: "https://example.com/handler/success",
};

describe("landing links", () => {
  it("a link issued is verified, with its deep links, until it expires", () => {
    const query = links.issue(link);
    expect(query.userId).toBe("USR-1");
    expect(links.verify(query, 1_000)).toEqual({ ok: true, link });
    expect(links.verify(query, 2_001)).toEqual({ ok: false, refusal: "link_expired" });
  });
  it("an altered sid or token is refused", () => {
    const query = links.issue(link);
    const other = links.issue({ ...link, expiresAtMs: 9_999_999 });
    expect(links.verify({ ...query, sid: other.sid }, 1_000)).toEqual({
      ok: false,
      refusal: "link_signature_invalid",
    });
    expect(links.verify({ ...query, token: `${query.token.slice(0, -1)}A` }, 1_000).ok).toBe(false);
  });
  it("a link signed with another secret is refused", () => {
    const forged = landingLinks("another-secret-0123456789").issue(link);
    expect(links.verify(forged, 1_000)).toEqual({ ok: false, refusal: "link_signature_invalid" });
  });
  it("the userId beside the sid must be the link's", () => {
    expect(links.verify({ ...links.issue(link), userId: "USR-2" }, 1_000)).toEqual({
      ok: false,
      refusal: "link_user_mismatch",
    });
  });
});
