import type { Logger } from "pino";
import type { Config } from "../config.ts";
import { sha256Hex } from "../digest.ts";
import type { ReadStore } from "../readstore/port.ts";
import { httpOtpSender } from "./http-otp-sender.ts";
import type { OtpProduct, OtpSender } from "./port.ts";
import { sandboxOtpSender } from "./sandbox-otp-sender.ts";

export interface OtpCodesOptions {
  readonly readStore: ReadStore;
  readonly sender: OtpSender;
  readonly now: () => Date;
  /** OTP_TTL_SECONDS: how long a code works. */
  readonly ttlSeconds: number;
  /** OTP_MAX_PER_WINDOW codes per phone and product within OTP_WINDOW_SECONDS; more are not sent. */
  readonly maxPerWindow: number;
  readonly windowSeconds: number;
}

// Not a projection and not the log (a code is secret material): a plain table beside the read models,
// made on first use, holding each code's SHA-256 (salted with its phone and product), expiry and use.
const TABLE = `CREATE TABLE IF NOT EXISTS otp_codes (
  code_id TEXT PRIMARY KEY, product TEXT NOT NULL, phone TEXT NOT NULL, code_hash TEXT NOT NULL,
  issued_at TEXT NOT NULL, expires_at TEXT NOT NULL, used_at TEXT)`;

// Wrong codes entered for a phone while its codes live: past OTP_MAX_WRONG_CODES they are all spent, so a
// 4-digit code cannot be guessed by trying them all; the buyer asks for a new one (within the send limit).
const FAILURES_TABLE = `CREATE TABLE IF NOT EXISTS otp_failures (
  product TEXT NOT NULL, phone TEXT NOT NULL, failed_at TEXT NOT NULL)`;

/** Wrong codes a phone may enter within a code's lifetime before its live codes are voided. */
export const OTP_MAX_WRONG_CODES = 5;

const hashOf = (product: OtpProduct, phone: string, code: string) => sha256Hex(`${product}:${phone}:${code}`);

export type OtpIssue =
  | { readonly sent: true; readonly expiresAt: string }
  | { readonly sent: false; readonly reason: "rate_limited" };

export type OtpCodes = ReturnType<typeof otpCodes>;

/**
 * One-time codes per phone: issued (and sent through the OtpSender) at most `maxPerWindow` times per
 * window, each working once and until it expires. A new code does not void an older unexpired one: an SMS
 * may arrive late, and each is single-use anyway.
 */
export function otpCodes(options: OtpCodesOptions) {
  const { readStore } = options;
  let ready: Promise<unknown> | undefined;
  const table = () => {
    ready ??= readStore.query(TABLE).then(() => readStore.query(FAILURES_TABLE));
    return ready;
  };

  /** Counts a wrong code; the one that reaches OTP_MAX_WRONG_CODES within a code's lifetime voids the live codes. */
  const wrongCode = async (product: OtpProduct, phone: string, now: Date) => {
    await readStore.query("INSERT INTO otp_failures (product, phone, failed_at) VALUES (?, ?, ?)", [
      product,
      phone,
      now.toISOString(),
    ]);
    const since = new Date(now.getTime() - options.ttlSeconds * 1000).toISOString();
    const [failed] = await readStore.query(
      "SELECT COUNT(*) AS n FROM otp_failures WHERE product = ? AND phone = ? AND failed_at > ?",
      [product, phone, since],
    );
    if (Number(failed?.n ?? 0) < OTP_MAX_WRONG_CODES) return;
    await readStore.query(
      "UPDATE otp_codes SET used_at = ? WHERE product = ? AND phone = ? AND used_at IS NULL",
      [now.toISOString(), product, phone],
    );
  };

  return {
    async issue(product: OtpProduct, phone: string): Promise<OtpIssue> {
      await table();
      const now = options.now();
      const since = new Date(now.getTime() - options.windowSeconds * 1000).toISOString();
      const [recent] = await readStore.query(
        "SELECT COUNT(*) AS n FROM otp_codes WHERE product = ? AND phone = ? AND issued_at > ?",
        [product, phone, since],
      );
      if (Number(recent?.n ?? 0) >= options.maxPerWindow) return { sent: false, reason: "rate_limited" };
      const code = options.sender.pickCode(product);
      const expiresAt = new Date(now.getTime() + options.ttlSeconds * 1000).toISOString();
      await readStore.query(
        "INSERT INTO otp_codes (code_id, product, phone, code_hash, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        [crypto.randomUUID(), product, phone, hashOf(product, phone, code), now.toISOString(), expiresAt],
      );
      await options.sender.send({ product, phone, code, expiresAt });
      return { sent: true, expiresAt };
    },

    /**
     * Whether `code` is an unused, unexpired code of this phone; a match is spent at once, a wrong code
     * counts towards voiding the phone's live codes (OTP_MAX_WRONG_CODES).
     */
    async redeem(product: OtpProduct, phone: string, code: string): Promise<boolean> {
      await table();
      const at = options.now();
      const now = at.toISOString();
      const rows = await readStore.query(
        `SELECT code_id FROM otp_codes WHERE product = ? AND phone = ? AND code_hash = ? AND used_at IS NULL
         AND expires_at > ? ORDER BY issued_at LIMIT 1`,
        [product, phone, hashOf(product, phone, code), now],
      );
      const id = rows[0]?.code_id;
      if (id === undefined) {
        await wrongCode(product, phone, at);
        return false;
      }
      // Spent by whoever updates it first: a concurrent redeem of the same code finds it used.
      const spent = await readStore.query(
        "UPDATE otp_codes SET used_at = ? WHERE code_id = ? AND used_at IS NULL RETURNING code_id",
        [now, String(id)],
      );
      return spent.length > 0;
    },
  };
}

/** The configured sender: OTP_SENDER with its OTP_HTTP_* settings. */
export function configuredOtpSender(
  config: Pick<Config, "OTP_SENDER" | "OTP_HTTP_URL" | "OTP_HTTP_AUTHORIZATION" | "OTP_HTTP_ATTEMPTS">,
  logger: Logger,
): OtpSender {
  if (config.OTP_SENDER === "sandbox" || config.OTP_HTTP_URL === undefined) return sandboxOtpSender();
  return httpOtpSender({
    url: config.OTP_HTTP_URL,
    authorization: config.OTP_HTTP_AUTHORIZATION,
    attempts: config.OTP_HTTP_ATTEMPTS,
    backoffMs: 200,
    timeoutMs: 5000,
    logger,
  });
}
