/** What a receiver answered to one attempt: the HTTP status and the reply's text (read up to a bound). */
export interface Reply {
  readonly status: number;
  readonly body: string;
}

/**
 * When a reply counts as delivered. Each source names its rule; anything else is a failed attempt,
 * retried on the schedule. Redirects never count: a receiver that moved is its owner's to fix.
 */
export interface ReplyRule {
  /** Why this reply does not deliver (recorded as the attempt's error), or undefined when it does. */
  refusal(reply: Reply): string | undefined;
}

const isSuccess = (status: number) => status >= 200 && status <= 299;

/** Any 2xx delivers, whatever its body: partner webhooks (seed 000). */
export const ANY_2XX: ReplyRule = {
  refusal: (reply) => (isSuccess(reply.status) ? undefined : `HTTP ${reply.status}`),
};

/** A 2xx whose body is a JSON object with `"status": <expected>`; other fields are ignored. */
export function jsonStatusReply(expected: string | number): ReplyRule {
  const refused = `reply is not JSON with "status": ${JSON.stringify(expected)}`;
  return {
    refusal(reply) {
      if (!isSuccess(reply.status)) return `HTTP ${reply.status}`;
      const json = parseJson(reply.body);
      const accepted =
        typeof json === "object" && json !== null && "status" in json && json.status === expected;
      return accepted ? undefined : refused;
    },
  };
}

/** Kredivo transaction pushes: the merchant acknowledges with `{"status": "OK"}` (seed 001). */
export const STATUS_OK_REPLY = jsonStatusReply("OK");

/** Kredivo tokenization callbacks: only `{"status": 9100}` acknowledges (9200 and 9999 are failures). */
export const STATUS_9100_REPLY = jsonStatusReply(9100);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
