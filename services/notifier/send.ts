import { createHmac } from "node:crypto";
import type { ReplyRule } from "./reply-rules.ts";
import { retryAfterMs } from "./schedule.ts";
import type { DeliveryRequest } from "./source.ts";

/**
 * Standard Webhooks signature (standardwebhooks.com): `v1,` + base64(HMAC-SHA256(key, "<id>.<ts>.<body>")).
 * A text key is used as its UTF-8 bytes (with a Standard Webhooks library, the secret is `whsec_` + base64
 * of that text); a `whsec_` secret is used as the bytes it encodes.
 */
export function webhookSignature(
  key: string | Uint8Array,
  id: string,
  timestamp: number,
  body: string,
): string {
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
}

export interface SendResult {
  readonly delivered: boolean;
  readonly httpStatus: number | null;
  readonly error: string | null;
  /** Set on 429/503 with a usable Retry-After. */
  readonly retryAfterMs: number | undefined;
  /** The notifier is stopping and cut the attempt short. */
  readonly interrupted: boolean;
}

const MAX_REPLY_BYTES = 64 * 1024;

/**
 * One POST of a delivery: the source's body and headers, then ours (Standard Webhooks, which a source
 * cannot override). Redirects are not followed (a receiver that moved is its owner's to fix); whether the
 * reply delivers is the source's reply rule.
 */
export async function sendDelivery(attempt: {
  request: DeliveryRequest;
  reply: ReplyRule;
  id: string;
  now: Date;
  timeoutMs: number;
  stop: AbortSignal;
}): Promise<SendResult> {
  const { request } = attempt;
  const timestamp = Math.floor(attempt.now.getTime() / 1000);
  const signal = AbortSignal.any([attempt.stop, AbortSignal.timeout(attempt.timeoutMs)]);
  try {
    // Inside the try: a header value fetch refuses (a line break, say) is a failed attempt that says so.
    const headers = new Headers({
      "content-type": "application/json",
      accept: "application/json",
      "user-agent": "bnpl-ledger-notifier/1",
    });
    for (const [name, value] of Object.entries(request.headers ?? {})) headers.set(name, value);
    headers.set("webhook-id", attempt.id);
    headers.set("webhook-timestamp", String(timestamp));
    if (request.signingKey !== null)
      headers.set(
        "webhook-signature",
        webhookSignature(request.signingKey, attempt.id, timestamp, request.body),
      );
    const response = await fetch(request.url, {
      method: "POST",
      redirect: "manual",
      signal,
      headers,
      body: request.body,
    });
    const body = await readBounded(response);
    const retryAfter =
      response.status === 429 || response.status === 503
        ? retryAfterMs(response.headers.get("retry-after"), attempt.now)
        : undefined;
    const refusal = attempt.reply.refusal({ status: response.status, body });
    return {
      delivered: refusal === undefined,
      httpStatus: response.status,
      error: refusal ?? null,
      retryAfterMs: retryAfter,
      interrupted: false,
    };
  } catch (error) {
    const interrupted = attempt.stop.aborted;
    return {
      delivered: false,
      httpStatus: null,
      error: interrupted ? "interrupted: notifier stopping" : describe(error, attempt.timeoutMs),
      retryAfterMs: undefined,
      interrupted,
    };
  }
}

/** A receiver's reply is read up to a bound: a push must never buffer an unbounded body. */
async function readBounded(response: Response): Promise<string> {
  if (!response.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    chunks.push(chunk);
    size += chunk.byteLength;
    if (size >= MAX_REPLY_BYTES) break; // leaving the loop cancels the rest of the stream
  }
  return Buffer.concat(chunks).toString("utf8");
}

function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === "TimeoutError") return `timeout after ${timeoutMs} ms`;
    const cause: unknown = error.cause;
    if (cause instanceof Error) {
      const code = "code" in cause && typeof cause.code === "string" ? cause.code : undefined;
      return code ? `${error.message}: ${code}` : `${error.message}: ${cause.message}`;
    }
    return error.message;
  }
  return String(error);
}
