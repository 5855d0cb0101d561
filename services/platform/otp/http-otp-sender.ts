import { randomInt } from "node:crypto";
import type { Logger } from "pino";
import type { OtpSender } from "./port.ts";

export interface HttpOtpSenderOptions {
  /** OTP_HTTP_URL: the lender's SMS gateway, sent `{product, phone, code, expiresAt}` as JSON. */
  readonly url: string;
  /** OTP_HTTP_AUTHORIZATION: the Authorization header the gateway wants, if any. */
  readonly authorization?: string | undefined;
  /** Attempts in all (first + retries) and the pause before the first retry (doubled each time). */
  readonly attempts: number;
  readonly backoffMs: number;
  readonly timeoutMs: number;
  readonly logger: Logger;
}

/** Four random digits, as the seeds' codes are. */
const randomCode = () => String(randomInt(0, 10_000)).padStart(4, "0");

/**
 * OTP_SENDER=http: posts the code to a configured URL, retrying a failure (network, timeout, non-2xx) with
 * exponential backoff. The code is in the request body only: log lines name the phone's last digits and the
 * attempt, never the code.
 */
export function httpOtpSender(options: HttpOtpSenderOptions): OtpSender {
  const { logger } = options;
  return {
    pickCode: () => randomCode(),
    async send(message) {
      const phoneHint = `…${message.phone.slice(-3)}`;
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (options.authorization !== undefined) headers.authorization = options.authorization;
      for (let attempt = 1; ; attempt++) {
        const failure = await fetch(options.url, {
          method: "POST",
          headers,
          body: JSON.stringify(message),
          signal: AbortSignal.timeout(options.timeoutMs),
        }).then(
          async (res) => {
            await res.body?.cancel();
            return res.ok ? undefined : `status ${res.status}`;
          },
          (error: unknown) => (error instanceof Error ? error.name : "network error"),
        );
        if (failure === undefined) {
          logger.info({ phone: phoneHint, product: message.product, attempt }, "otp sent");
          return;
        }
        logger.warn({ phone: phoneHint, product: message.product, attempt, failure }, "otp not delivered");
        if (attempt >= options.attempts) throw new Error(`OTP to ${phoneHint} not delivered: ${failure}`);
        await new Promise((resolve) => setTimeout(resolve, options.backoffMs * 2 ** (attempt - 1)));
      }
    },
  };
}
