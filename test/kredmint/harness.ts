import type { HTTPMethods } from "fastify";
import type { ComposedService } from "../../services/runtime/compose.ts";
import { testConfig } from "../checkout/harness.ts";
import { composeInTempDir } from "../support/runtime.ts";

// The embedded runtime composed for the Partner API tests and driven with inject(): /kredmint with a
// partner's Basic credentials, /v1/partners with an operator's API key.

export const OPERATOR_KEY = "kredmint-operator-key-0123456789";
export const SANDBOX_PARTNER = { id: "sandbox-partner", secret: "sandbox-partner-secret-5e8a1c" };
export const PUBLIC_BASE_URL = "http://127.0.0.1:3000";

/** The seed's first sample request ("Dynamic Status/Banner API"). */
export const SEED_PROFILE_REQUEST = { username: "9819413273", page: "profile", source: "MOS" };

export const basic = (id: string, secret: string) => ({
  authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`,
});
export const sandboxAuth = basic(SANDBOX_PARTNER.id, SANDBOX_PARTNER.secret);

export interface Reply {
  readonly statusCode: number;
  readonly body: string;
  readonly headers: Record<string, unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: test replies are read field by field, like inject()'s json()
  json(): any;
}

export interface KredmintHarness {
  readonly service: ComposedService;
  /** A JSON request to the app; an object body is serialised, a string sent as it is. */
  send(method: HTTPMethods, url: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  /** POST /kredmint/user/eligibility as the sandbox partner (or with `headers`). */
  eligibility(body: unknown, headers?: Record<string, string>): Promise<Reply>;
  head(): Promise<string>;
  close(): Promise<void>;
}

export async function startKredmintHarness(env: Record<string, string> = {}): Promise<KredmintHarness> {
  const composed = await composeInTempDir("ledger-kredmint-", (dir) =>
    testConfig(dir, { PUBLIC_BASE_URL, API_KEYS: `${OPERATOR_KEY}:operator`, ...env }),
  );
  const { service } = composed;
  await service.app.ready();
  const send: KredmintHarness["send"] = async (method, url, body, headers = {}) => {
    const res = await service.app.inject({
      method,
      url,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      ...(body === undefined ? {} : { payload: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    return { statusCode: res.statusCode, body: res.body, headers: res.headers, json: () => res.json() };
  };
  return {
    service,
    send,
    eligibility: (body, headers = sandboxAuth) => send("POST", "/kredmint/user/eligibility", body, headers),
    head: () => service.store.headPosition(),
    close: composed.close,
  };
}
