// The Checkout API over real HTTP, as a merchant's server calls a running service.

export interface KredivoReply {
  readonly httpStatus: number;
  readonly json: Record<string, unknown>;
  readonly ms: number;
}

/** POST /kredivo<path> with a JSON body; never throws on a status (only on a body that is not JSON), bounded in time. */
export async function kredivo(
  url: string,
  path: string,
  body: unknown,
  timeoutMs = 15_000,
): Promise<KredivoReply> {
  const began = Date.now();
  const res = await fetch(`${url}/kredivo${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  try {
    return {
      httpStatus: res.status,
      json: JSON.parse(text) as Record<string, unknown>,
      ms: Date.now() - began,
    };
  } catch {
    throw new Error(`POST /kredivo${path}: HTTP ${res.status} ${text}`);
  }
}

/** POST /kredivo/checkout/init; answers the transaction and its hosted page, throws on any refusal. */
export async function postInit(
  url: string,
  body: Record<string, unknown>,
): Promise<{ transactionId: string; checkoutUrl: string }> {
  const { httpStatus, json } = await kredivo(url, "/checkout/init", body);
  if (httpStatus !== 200 || json.status !== 1)
    throw new Error(`checkout/init refused: HTTP ${httpStatus} ${JSON.stringify(json)}`);
  return { transactionId: String(json.transaction_id), checkoutUrl: String(json.checkout_url) };
}
