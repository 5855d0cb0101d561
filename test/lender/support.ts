import type { CheckoutHarness } from "../checkout/harness.ts";

// The lender's operator side as the tests drive it: /v1 calls with an admin key, through inject().

export const ADMIN_KEY = "admin-key-0123456789abcdef";
export const OPERATOR_KEY = "operator-key-0123456789ab";
export const LENDER_API_KEYS = `${ADMIN_KEY}:admin,${OPERATOR_KEY}:operator`;

export interface V1Answer {
  readonly statusCode: number;
  readonly body: string;
  json<T = Record<string, unknown>>(): T;
}

/** A /v1 call with `key` (the admin's unless given). */
export async function v1(
  h: Pick<CheckoutHarness, "app">,
  method: "GET" | "POST" | "PUT",
  path: string,
  body?: unknown,
  key = ADMIN_KEY,
): Promise<V1Answer> {
  const res = await h.app.inject({
    method,
    url: `/v1${path}`,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  return { statusCode: res.statusCode, body: res.body, json: <T>() => res.json() as T };
}

export interface OnboardedMerchant {
  readonly merchantId: string;
  readonly serverKey: string;
}

/** POST /v1/merchants, answered 201 with the merchant's id and its server_key. */
export async function onboardMerchant(
  h: Pick<CheckoutHarness, "app">,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<OnboardedMerchant> {
  const res = await v1(h, "POST", "/merchants", { name, feeRateBps: 200, ...extra });
  if (res.statusCode !== 201) throw new Error(`onboarding ${name}: ${res.statusCode} ${res.body}`);
  return res.json<OnboardedMerchant>();
}
