import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OtpMessage } from "../../services/platform/otp/port.ts";
import { Receiver } from "../notifier/harness.ts";
import { hiddenFields } from "../support/html-forms.ts";
import { pageBrowser } from "../support/page-browser.ts";
import { type KredmintHarness, startKredmintHarness } from "./harness.ts";

// The onboarding pages' one-time codes through the OtpSender port with OTP_SENDER=http: the code book the
// Checkout pages use (product kredmint), codes sent to the lender's SMS gateway (a local receiver here),
// single-use, rate-limited per phone, and never in a log line or an event. (OTP_SENDER=sandbox, the seed's
// 1234: onboarding-pages.int.test.ts and the e2e tests.)

const MAX_PER_WINDOW = 3;
let h: KredmintHarness;
const gateway = new Receiver();
beforeAll(async () => {
  await gateway.listen();
  h = await startKredmintHarness({
    OTP_SENDER: "http",
    OTP_HTTP_URL: gateway.url,
    OTP_MAX_PER_WINDOW: String(MAX_PER_WINDOW),
  });
});
afterAll(async () => {
  await h?.close();
  await gateway.close();
});

/** The codes the gateway was sent for a phone, oldest first. */
const codesFor = (phone: string) =>
  gateway.received
    .map((r) => JSON.parse(r.body) as OtpMessage)
    .filter((m) => m.phone === phone)
    .map((m) => {
      expect(m.product).toBe("kredmint");
      return m.code;
    });

/** A code that is not `code` (same length). */
const otherThan = (code: string) => code.replace(/.$/, (d) => String((Number(d) + 1) % 10));

/** A browser at the OTP step for `mobile`: the landingUrl, then the mobile posted (a code sent). */
async function atOtpStep(mobile: string) {
  const res = await h.eligibility({ username: mobile, page: "profile", source: "MOS" });
  const url = new URL(res.json().payload.landingUrl);
  const b = pageBrowser(h.service.app);
  await b.request("GET", `${url.pathname}${url.search}`);
  await b.request("GET", "/kredmint/auth/page");
  const sent = await b.request("POST", "/kredmint/auth/mobile", { ...hiddenFields(b.page), mobile });
  await b.request("GET", "/kredmint/auth/page");
  return { b, sent, csrf: hiddenFields(b.page).csrf ?? "" };
}

describe("the OTP step with the SMS gateway (OTP_SENDER=http)", () => {
  it("sends a code to the gateway, shows no sandbox hint, and the code works once", async () => {
    const mobile = "9887207001";
    const { b, csrf } = await atOtpStep(mobile);
    expect(b.page).toContain('id="verify-otp"');
    expect(b.page).not.toContain("Sandbox:");
    const [code = ""] = codesFor(mobile);
    expect(code).toMatch(/^[0-9]{4}$/);
    const wrong = await b.request("POST", "/kredmint/auth/otp", { csrf, otp: otherThan(code) });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.body).toContain("That code is not right, or it expired.");
    expect((await b.request("POST", "/kredmint/auth/otp", { csrf, otp: code })).statusCode).toBe(303);
    await b.request("GET", "/kredmint/auth/page");
    expect(b.page).toContain('id="save-profile"');

    // Another session for the phone is sent its own code; the one spent above does not work again.
    const second = await atOtpStep(mobile);
    const [, fresh = ""] = codesFor(mobile);
    if (fresh !== code) {
      const replayed = await second.b.request("POST", "/kredmint/auth/otp", { csrf: second.csrf, otp: code });
      expect(replayed.statusCode).toBe(422);
    }
    const verified = await second.b.request("POST", "/kredmint/auth/otp", { csrf: second.csrf, otp: fresh });
    expect(verified.statusCode).toBe(303);
  });

  it("a new code on request, up to OTP_MAX_PER_WINDOW per phone; past it none is sent and the page says so", async () => {
    const mobile = "9887207002";
    const { b, csrf } = await atOtpStep(mobile);
    for (let sent = 1; sent < MAX_PER_WINDOW; sent++) {
      expect((await b.request("POST", "/kredmint/auth/resend", { csrf })).statusCode).toBe(303);
    }
    const refused = await b.request("POST", "/kredmint/auth/resend", { csrf });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain("Too many codes were sent to this number.");
    const codes = codesFor(mobile);
    expect(codes).toHaveLength(MAX_PER_WINDOW);
    // Another session is refused at the mobile step: no code is sent, the user stays there.
    const other = await atOtpStep(mobile);
    expect(other.sent.statusCode).toBe(422);
    expect(other.b.page).toContain('id="send-otp"');
    expect(codesFor(mobile)).toHaveLength(MAX_PER_WINDOW);
    // An older code still works (an SMS may arrive late): each is single-use, not voided by the next.
    expect((await b.request("POST", "/kredmint/auth/otp", { csrf, otp: codes[0] ?? "" })).statusCode).toBe(
      303,
    );
  });

  it("no code is in any log line or event", async () => {
    const codes = gateway.received.map((r) => (JSON.parse(r.body) as OtpMessage).code);
    expect(codes.length).toBeGreaterThan(0);
    const events = await h.service.store.readAll({ after: "0", maxCount: 10_000 });
    const written = [...h.logs, ...events].flatMap(leaves).map((text) => text.replace(NOISE, " "));
    // The search sees both: the log has lines, and the phones are in the events.
    expect(h.logs.length).toBeGreaterThan(0);
    expect(written.some((text) => text.includes("9887207001"))).toBe(true);
    for (const code of codes) {
      // A code is 4 digits: a whole token, not part of a longer number (a mobile, an epoch).
      const token = new RegExp(`(^|[^0-9])${code}([^0-9]|$)`);
      expect(written.filter((text) => token.test(text))).toEqual([]);
    }
  });
});

/** Digits that are not a code: ids (UUIDs), hashes and timestamps, blanked before the search. */
const NOISE =
  /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z?|[0-9a-f]{16,}/gi;

/** Every string and number in a JSON value, as text. */
function leaves(value: unknown): string[] {
  if (typeof value === "string" || typeof value === "number" || typeof value === "bigint")
    return [String(value)];
  if (value === null || typeof value !== "object") return [];
  return Object.values(value).flatMap(leaves);
}
