import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { PayoutService } from "../../services/finance/payouts/payout-run.ts";
import { payoutRoutes } from "../../services/finance/payouts/routes.ts";
import { requestContext } from "../../services/http/request-context.ts";
import type { ReadStore, Row, SqlValue } from "../../services/platform/readstore/port.ts";
import type { ComposedService } from "../../services/runtime/compose.ts";
import { approveAsSandboxBuyer, testConfig } from "../checkout/harness.ts";
import {
  nextOrder,
  pushSignature,
  SANDBOX_SERVER_KEY,
  SEED_AMOUNT_MINOR,
  sampleInit,
} from "../support/checkout-requests.ts";
import { quietHead } from "../support/events.ts";
import { bearer } from "../support/http.ts";
import { kredivoMeta, registerMerchant } from "../support/merchants.ts";
import { composeInTempDir } from "../support/runtime.ts";

// The embedded runtime (services/runtime/compose.ts) composed for the finance tests, driven through HTTP with
// inject(): checkouts are settled through /kredivo exactly as a merchant would, payouts and the finance
// API through /v1 with API keys.

export const FINANCE_KEY = "finance-key-0123456789";
export const OPERATOR_KEY = "operator-key-0123456789";
export const BOTH_KEY = "finance-operator-key-0123456789";
/** Lender operations: onboarding merchants and buyers, limits (role admin). */
export const ADMIN_KEY = "admin-key-0123456789abcd";

export interface FinanceHarness {
  readonly service: ComposedService;
  readonly dir: string;
  get(url: string, key?: string): Promise<Reply>;
  post(url: string, body: unknown, headers?: Record<string, string>): Promise<Reply>;
  /** init → hosted-page approval (sandbox buyer) → checkout/update settled; returns the transaction id. */
  settle(merchant: { serverKey: string; merchantId: string }, tenure?: 1 | 3 | 6 | 12): Promise<string>;
  /** Registers a merchant (event on its stream) and waits for the directory to know it. */
  registerMerchant(merchantId: string, serverKey: string, feeRateBps: number): Promise<void>;
  /** Waits until every projection has reached the log head (reactors included, after a quiet moment). */
  settled(): Promise<string>;
  events(streamId: string): Promise<{ type: string; data: unknown }[]>;
  close(): Promise<void>;
}

export interface Reply {
  readonly statusCode: number;
  readonly body: string;
  readonly headers: Record<string, unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: test replies are read field by field, like inject()'s json()
  json(): any;
}

export const SANDBOX = { merchantId: "sandbox-merchant", serverKey: SANDBOX_SERVER_KEY };
/** A second merchant (fee 2 %); it sorts before the sandbox merchant, so a payout run pays it first. */
export const M2 = { merchantId: "m2", serverKey: "m2-server-key-0123456789abcdef" };

export async function startFinanceHarness(env: Record<string, string> = {}): Promise<FinanceHarness> {
  const composed = await composeInTempDir("ledger-finance-", (dir) =>
    testConfig(dir, {
      PUBLIC_BASE_URL: "http://127.0.0.1:3000",
      API_KEYS: `${FINANCE_KEY}:finance,${OPERATOR_KEY}:operator,${BOTH_KEY}:finance|operator|admin,${ADMIN_KEY}:admin`,
      // The machine may be busy: give the merchant's confirmation time to arrive.
      CONFIRM_TIMEOUT_SECONDS: "60",
      ...env,
    }),
  );
  const { service, dir } = composed;
  await service.app.ready();
  const checkout = service.checkout!;
  const runner = service.runner!;

  const toReply = (res: { statusCode: number; body: string; headers: Record<string, unknown> }): Reply => ({
    statusCode: res.statusCode,
    body: res.body,
    headers: res.headers,
    json: () => JSON.parse(res.body),
  });

  const harness: FinanceHarness = {
    service,
    dir,
    async get(url, key = FINANCE_KEY) {
      return toReply(await service.app.inject({ method: "GET", url, headers: bearer(key) }));
    },
    async post(url, body, headers = {}) {
      return toReply(
        await service.app.inject({
          method: "POST",
          url,
          payload: typeof body === "string" ? body : JSON.stringify(body),
          headers: { "content-type": "application/json", ...headers },
        }),
      );
    },
    async settle(merchant, tenure = 1) {
      const orderId = nextOrder("FIN");
      const init = await harness.post(
        "/kredivo/checkout/init",
        sampleInit(orderId, { server_key: merchant.serverKey, tenure }),
      );
      const transactionId = String(init.json().transaction_id);
      if (init.statusCode !== 200 || transactionId === "undefined") {
        throw new Error(`init failed: ${init.body}`);
      }
      await approveAsSandboxBuyer(checkout, transactionId, tenure);
      const signature = pushSignature(
        { transactionId, orderId, amountMinor: SEED_AMOUNT_MINOR, tenure },
        merchant.serverKey,
      );
      const update = await harness.post("/kredivo/checkout/update", {
        signature_key: signature,
        transaction_id: transactionId,
        status: "settled",
      });
      if (update.json().status !== "settlement") throw new Error(`settlement failed: ${update.body}`);
      return transactionId;
    },
    async registerMerchant(merchantId, serverKey, feeRateBps) {
      await registerMerchant(service.store, merchantId, { serverKey, feeRateBps, at: kredivoMeta() });
      await runner.waitFor(await service.store.headPosition(), 10_000);
    },
    async settled() {
      // Reactors append after the events they react to: wait for a quiet log, then for every projection.
      const head = await quietHead(service.store, 150, 10_000);
      if (!(await runner.waitFor(head, 10_000))) throw new Error(`projections did not reach ${head}`);
      return head;
    },
    async events(streamId) {
      return (await service.store.readStream(streamId)).map((e) => ({ type: e.type, data: e.data }));
    },
    close: composed.close,
  };
  return harness;
}

/** The read store `real` with another `query`: e.g. a payout run whose read of the open items is stale. */
export function withQuery(
  real: ReadStore,
  query: (sql: string, params: readonly SqlValue[] | undefined) => Promise<Row[]>,
): ReadStore {
  return {
    dialect: real.dialect,
    projectionState: (name) => real.projectionState(name),
    projectionStates: () => real.projectionStates(),
    prepareGeneration: (...args) => real.prepareGeneration(...args),
    generationPosition: (...args) => real.generationPosition(...args),
    apply: (...args) => real.apply(...args),
    promote: (...args) => real.promote(...args),
    setStatus: (...args) => real.setStatus(...args),
    query,
    close: () => Promise.resolve(),
  };
}

/** POST /v1/payouts/run on a bare app around `payouts` (a payout service built for one test). */
export async function payoutApp(payouts: PayoutService, readStore: ReadStore): Promise<FastifyInstance> {
  const app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(requestContext);
  await app.register(payoutRoutes, {
    prefix: "/v1",
    payouts,
    readStore,
    apiKeys: [{ key: OPERATOR_KEY, roles: ["operator"] }],
  });
  return app;
}

/**
 * As if the request holding `key` had died after its appends and before its answer was stored, and its
 * lease had run out: the next request with the key takes it over and runs.
 */
export async function leaseRunOut(readStore: ReadStore, key: string): Promise<void> {
  await readStore.query("UPDATE idempotency_keys SET state = 'running', lease_until = 0 WHERE idem_key = ?", [
    key,
  ]);
}

/** The harness with M2 registered beside the sandbox merchant. */
export async function startTwoMerchants(): Promise<FinanceHarness> {
  const h = await startFinanceHarness();
  await h.registerMerchant(M2.merchantId, M2.serverKey, 200);
  return h;
}
