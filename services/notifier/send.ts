import { createHmac } from "node:crypto";
import { transactionPushReplySchema } from "../../contracts/checkout/push.ts";
import { retryAfterMs } from "./schedule.ts";

/**
 * Standard Webhooks signature (standardwebhooks.com): `v1,` + base64(HMAC-SHA256(key, "<id>.<ts>.<body>")).
 * The key is the UTF-8 text of the merchant's serverKeyHash, i.e. hex(SHA-256(server_key)), the same key
 * as the seed's signature_key, so a merchant derives it from the server_key it already holds. (With a
 * Standard Webhooks library, the secret is `whsec_` + base64 of that hex text.)
 */
export function webhookSignature(key: string, id: string, timestamp: number, body: string): string {
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
 * One POST of a push. Only a 2xx whose JSON body has `"status": "OK"` is delivered (the seed's merchant
 * reply); redirects are not followed (a push URL that moved is the merchant's to fix).
 */
export async function sendPush(request: {
  url: string;
  body: string;
  id: string;
  key: string;
  now: Date;
  timeoutMs: number;
  stop: AbortSignal;
}): Promise<SendResult> {
  const timestamp = Math.floor(request.now.getTime() / 1000);
  const signal = AbortSignal.any([request.stop, AbortSignal.timeout(request.timeoutMs)]);
  try {
    const response = await fetch(request.url, {
      method: "POST",
      redirect: "manual",
      signal,
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "user-agent": "bnpl-ledger-notifier/1",
        "webhook-id": request.id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": webhookSignature(request.key, request.id, timestamp, request.body),
      },
      body: request.body,
    });
    const text = await readBounded(response);
    const retryAfter =
      response.status === 429 || response.status === 503
        ? retryAfterMs(response.headers.get("retry-after"), request.now)
        : undefined;
    const base = { httpStatus: response.status, retryAfterMs: retryAfter, interrupted: false };
    if (response.status < 200 || response.status > 299) {
      return { ...base, delivered: false, error: `HTTP ${response.status}` };
    }
    if (!transactionPushReplySchema.safeParse(parseJson(text)).success) {
      return { ...base, delivered: false, error: 'reply is not JSON with "status": "OK"' };
    }
    return { ...base, delivered: true, error: null };
  } catch (error) {
    const interrupted = request.stop.aborted;
    return {
      delivered: false,
      httpStatus: null,
      error: interrupted ? "interrupted: notifier stopping" : describe(error, request.timeoutMs),
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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
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
