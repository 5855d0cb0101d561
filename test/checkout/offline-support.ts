import jsQR from "jsqr";
import { PNG } from "pngjs";
import { initOfflineExample } from "../../contracts/checkout/init.ts";
import { SANDBOX_SERVER_KEY } from "../support/checkout-requests.ts";
import { kredivo } from "../support/kredivo-http.ts";

// The merchant's side of an offline (QR) checkout as the tests send it: the seed's offline request for the
// sandbox merchant at its dealer SF241290, and the QR code's PNG read back as a phone's camera would.

/** The seed's offline order: 1,500,000 − 200,000 downpayment + 100,000. */
export const OFFLINE_AMOUNT = 1_400_000;
export const DEALER = "SF241290";

const seedOffline: Record<string, unknown> = initOfflineExample;

/** The seed's offline request, pushing to `pushUrl`, expiring in a day unless `overrides` say otherwise. */
export function offlineRequest(
  orderId: string,
  pushUrl: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    ...structuredClone(seedOffline),
    server_key: SANDBOX_SERVER_KEY,
    order_id: orderId,
    push_url: pushUrl,
    back_to_store_url: "http://127.0.0.1:9/back-to-store",
    expiry_time: Math.floor(Date.now() / 1000) + 24 * 3600,
    metadata: { till: "T-4", user_agent: "pos/1.0" },
    ...overrides,
  };
}

/** checkout/<transaction_id>/abort by the sandbox merchant at DEALER. */
export function abortRequest(orderId: string, overrides: Record<string, unknown> = {}) {
  return { server_key: SANDBOX_SERVER_KEY, dealer_code: DEALER, order_id: orderId, ...overrides };
}

/** POST checkout/init offline; throws on a refusal. */
export async function initOffline(
  url: string,
  body: Record<string, unknown>,
): Promise<{ transactionId: string; qrLink: string; json: Record<string, unknown> }> {
  const { httpStatus, json } = await kredivo(url, "/checkout/init", body);
  if (httpStatus !== 200 || json.status !== 1)
    throw new Error(`offline checkout/init refused: HTTP ${httpStatus} ${JSON.stringify(json)}`);
  return { transactionId: String(json.transaction_id), qrLink: String(json.qr_link), json };
}

/** What a QR code in a PNG encodes, decoded with jsQR as a phone's scanner would. */
export function scanQr(png: Buffer): string {
  const image = PNG.sync.read(png);
  // jsqr is CommonJS: under Node's ESM its function is the module's `default` export's `default`.
  const code = jsQR.default(new Uint8ClampedArray(image.data), image.width, image.height);
  if (code === null) throw new Error("no QR code found in the image");
  return code.data;
}

/** GET qr_link: the PNG, checked to be one, and what it encodes. */
export async function fetchQr(qrLink: string): Promise<{ contentType: string | null; encoded: string }> {
  const res = await fetch(qrLink, { signal: AbortSignal.timeout(15_000) });
  if (res.status !== 200) throw new Error(`GET ${qrLink}: HTTP ${res.status}`);
  const png = Buffer.from(await res.arrayBuffer());
  return { contentType: res.headers.get("content-type"), encoded: scanQr(png) };
}
