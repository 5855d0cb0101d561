import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { EventEnvelope } from "../../contracts/envelope.ts";
import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { SqliteEventStore } from "../../services/platform/eventstore/sqlite-event-store.ts";
import { quiet } from "../production/support.ts";
import {
  cancelRequest,
  initRequest,
  pushSignature,
  SANDBOX_SERVER_KEY,
  SEED_AMOUNT,
  SEED_AMOUNT_MINOR,
} from "../support/checkout-requests.ts";
import { eventually } from "../support/eventually.ts";
import { bearer } from "../support/http.ts";
import { approveInBrowser } from "../support/http-browser.ts";
import { kredivo, postInit } from "../support/kredivo-http.ts";
import { registerMerchant, type TestMerchant } from "../support/merchants.ts";
import { killHard, type ServiceProcess, startServiceProcess } from "../support/service-process.ts";

// Exactly once where money moves, proven against the real service process: the route's request kills the
// process with SIGKILL right after its append commits and before it replies (the test seam
// FAULT_KILL_AFTER_APPEND); the service is started again on the same data; the caller retries with the same
// Idempotency-Key (its claim is taken over once the dead request's lease has run out) and gets the answer the
// first request would have given. The log gets nothing the dead request had appended already: nothing at
// all, or, for a payout run killed after its first of two payouts, only the payout it had not made yet.

const OPERATOR = "faults-operator-key-0123456789";
const LEASE_MS = 1_000;

let dir: string | undefined;
let service: ServiceProcess | undefined;

afterEach(async () => {
  if (service) await killHard(service);
  service = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const start = async (env: Record<string, string> = {}) => {
  service = await startServiceProcess({
    DATA_DIR: dir!,
    API_KEYS: `${OPERATOR}:operator|finance`,
    IDEMPOTENCY_LEASE_MS: String(LEASE_MS),
    CONFIRM_TIMEOUT_SECONDS: "60",
    ...env,
  });
  return service.url;
};

/** A second merchant written to the log before the service first starts (there is no API for it). */
async function secondMerchant(merchantId: string): Promise<TestMerchant> {
  dir = mkdtempSync(join(tmpdir(), "ledger-faults-"));
  const store = new SqliteEventStore({ path: join(dir, "ledger.db") });
  try {
    return await registerMerchant(store, merchantId);
  } finally {
    await store.close();
  }
}

/** What the log holds, read from the file while no service runs. */
async function logged(type: string): Promise<EventEnvelope[]> {
  const store = new SqliteEventStore({ path: join(dir!, "ledger.db") });
  try {
    const events: EventEnvelope[] = [];
    for (let after = "0"; ; ) {
      const page = await store.readAll({ after, maxCount: 1000 });
      events.push(...page);
      if (page.length < 1000) return events.filter((e) => e.type === type);
      after = page.at(-1)!.position;
    }
  } finally {
    await store.close();
  }
}

/** A checkout of the seed's sample order settled end to end over HTTP, as merchant and buyer do it. */
async function settle(
  url: string,
  orderId: string,
  serverKey = SANDBOX_SERVER_KEY,
): Promise<{ transactionId: string; orderId: string }> {
  const { transactionId, checkoutUrl } = await postInit(
    url,
    initRequest(orderId, "http://127.0.0.1:9/push", { server_key: serverKey }),
  );
  const approved = await approveInBrowser(checkoutUrl);
  expect(approved.status).toBe(303);
  const update = await kredivo(url, "/checkout/update", {
    signature_key: pushSignature(
      { transactionId, orderId, amountMinor: SEED_AMOUNT_MINOR, tenure: 1 },
      serverKey,
    ),
    transaction_id: transactionId,
    status: "settled",
  });
  expect(update.json.status).toBe("settlement");
  return { transactionId, orderId };
}

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly replayed: boolean;
}

async function post(
  url: string,
  path: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<Reply> {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  return {
    status: res.status,
    body: await res.text(),
    replayed: res.headers.get("idempotent-replayed") === "true",
  };
}

/**
 * The whole story for one route: `prepare` on a service armed to die on `route`; the request, which kills
 * it after its append; a restart on the same data; retries with the same key until the dead request's lease
 * has run out (409 / 503 before that); then one more retry, a replay. Answers the first real answer, the
 * replay and the log heads around them.
 */
async function crashAndRetry(
  route: string,
  prepare: (url: string) => Promise<{ path: string; body: unknown; headers: Record<string, string> }>,
  inProgress: (reply: Reply) => boolean,
) {
  dir ??= mkdtempSync(join(tmpdir(), "ledger-faults-"));
  const armed = await start({ FAULT_KILL_AFTER_APPEND: route });
  const { path, body, headers } = await prepare(armed);
  await quiet(armed);
  const dying = service!;
  await expect(post(armed, path, body, headers)).rejects.toThrow();
  await dying.exited;
  expect(dying.child.signalCode).toBe("SIGKILL");

  const url = await start();
  const head = await quiet(url);
  const answer = await eventually(
    "the dead request's lease to run out",
    async () => {
      const reply = await post(url, path, body, headers);
      if (inProgress(reply)) return undefined;
      return reply;
    },
    LEASE_MS * 10,
    100,
  );
  const headAfter = await quiet(url);
  const replay = await post(url, path, body, headers);
  service!.child.kill("SIGTERM");
  expect(await service!.exited).toBe(0);
  return { answer, replay, head, headAfter };
}

const v1InProgress = (reply: Reply) =>
  reply.status === 409 && JSON.parse(reply.body).code === "idempotency_request_in_progress";

describe("killed with SIGKILL between the append and the reply, retried with the same key", () => {
  it("POST /v1/payouts/run: the retry answers the payout the dead request made and pays nothing more", async () => {
    const { answer, replay, head, headAfter } = await crashAndRetry(
      "POST /v1/payouts/run",
      async (url) => {
        await settle(url, `FAULT-PAYOUT-${Date.now()}`);
        return {
          path: "/v1/payouts/run",
          body: {},
          headers: { ...bearer(OPERATOR), "idempotency-key": "payout-run-1" },
        };
      },
      v1InProgress,
    );
    const made = await logged("PayoutMade");
    expect(made).toHaveLength(1);
    expect(answer.status, answer.body).toBe(201);
    expect(answer.replayed).toBe(false);
    const body = JSON.parse(answer.body);
    const event = made[0]!;
    const data = event.data as Record<string, unknown>;
    expect(body).toEqual({
      payouts: [
        {
          merchantId: "sandbox-merchant",
          payoutId: data.payoutId,
          amount: String(data.amountMinor),
          currency: "VND",
          payable: String(data.payableMinor),
          receivable: "0",
          transactionIds: data.transactionIds,
          bankAccount: "operating",
          bankReference: data.bankReference,
          paidAt: data.paidAt,
          position: event.position,
        },
      ],
      position: event.position,
      journalCaughtUp: true,
    });
    expect(headAfter).toBe(head);
    expect(replay).toEqual({ status: 201, body: answer.body, replayed: true });
  });

  it("POST /v1/payouts/run killed after its first of two payouts: the retry pays the other and answers both", async () => {
    const m2 = await secondMerchant("m2");
    const { answer, head, headAfter } = await crashAndRetry(
      "POST /v1/payouts/run",
      async (url) => {
        await settle(url, `FAULT-M2-${Date.now()}`, m2.serverKey);
        await settle(url, `FAULT-SANDBOX-${Date.now()}`);
        return {
          path: "/v1/payouts/run",
          body: {},
          headers: { ...bearer(OPERATOR), "idempotency-key": "payout-run-2" },
        };
      },
      v1InProgress,
    );
    const made = await logged("PayoutMade");
    // m2 sorts first: the dead request paid it; the retry paid the sandbox merchant, and nobody twice.
    expect(made.map((e) => e.streamId)).toEqual(["merchant-m2", "merchant-sandbox-merchant"]);
    expect(answer.status, answer.body).toBe(201);
    const body = JSON.parse(answer.body);
    expect(body.payouts.map((p: Record<string, unknown>) => [p.merchantId, p.payoutId, p.position])).toEqual(
      made.map((e) => [
        e.streamId.slice("merchant-".length),
        (e.data as Record<string, unknown>).payoutId,
        e.position,
      ]),
    );
    expect(body.position).toBe(made[1]!.position);
    // What the retry appended: the sandbox merchant's payout (and its checkout marked Paid), nothing for m2.
    expect(BigInt(made[0]!.position)).toBeLessThanOrEqual(BigInt(head));
    expect(BigInt(made[1]!.position)).toBeGreaterThan(BigInt(head));
    expect(BigInt(headAfter) - BigInt(head)).toBe(2n);
    expect(await logged("Paid")).toHaveLength(2);
  });

  it("POST /v1/repayments: the retry answers the repayment the dead request recorded, recorded once", async () => {
    const { answer, replay, head, headAfter } = await crashAndRetry(
      "POST /v1/repayments",
      async (url) => {
        await settle(url, `FAULT-REPAY-${Date.now()}`);
        return {
          path: "/v1/repayments",
          body: { userId: SANDBOX_BUYER.userId, amount: "1000000", bankReference: "UTR-FAULT-1" },
          headers: { ...bearer(OPERATOR), "idempotency-key": "repayment-1" },
        };
      },
      v1InProgress,
    );
    const applied = await logged("RepaymentApplied");
    expect(applied).toHaveLength(1);
    expect(answer.status, answer.body).toBe(201);
    const data = applied[0]!.data as Record<string, unknown>;
    expect(JSON.parse(answer.body)).toMatchObject({
      repaymentId: data.repaymentId,
      userId: SANDBOX_BUYER.userId,
      amount: "1000000",
      bankReference: "UTR-FAULT-1",
      receivedAt: data.receivedAt,
      outstanding: String(SEED_AMOUNT + SEED_AMOUNT / 100 - 1_000_000),
    });
    expect(headAfter).toBe(head);
    expect(replay).toEqual({ status: 201, body: answer.body, replayed: true });
  });

  it("POST /kredivo/transaction/cancel: the retry answers the cancellation received, cancelled once", async () => {
    let transactionId = "";
    const { answer, replay, head, headAfter } = await crashAndRetry(
      "POST /kredivo/transaction/cancel",
      async (url) => {
        const settled = await settle(url, `FAULT-CANCEL-${Date.now()}`);
        transactionId = settled.transactionId;
        return {
          path: "/kredivo/transaction/cancel",
          body: cancelRequest(settled, { amount: 500_000 }),
          headers: { "idempotency-key": "cancel-1" },
        };
      },
      (reply) => reply.status === 503 && JSON.parse(reply.body).status === 9999,
    );
    const cancelled = await logged("Cancelled");
    expect(cancelled.map((e) => e.streamId)).toEqual([`checkout-${transactionId}`]);
    expect(String((cancelled[0]!.data as Record<string, unknown>).amountMinor)).toBe("500000");
    expect(answer).toEqual({
      status: 200,
      body: '{"status":1,"message":"API cancel received"}',
      replayed: false,
    });
    expect(headAfter).toBe(head);
    expect(replay).toEqual({ status: 200, body: answer.body, replayed: true });
  });
});

describe("the test seam", () => {
  it("is refused in production: the process does not start", () => {
    const result = spawnSync(process.execPath, ["services/main.ts"], {
      env: {
        ...process.env,
        NODE_ENV: "production",
        SECRET_STORE_KEY: randomBytes(32).toString("base64"),
        FAULT_KILL_AFTER_APPEND: "POST /v1/payouts/run",
      },
      encoding: "utf8",
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(
      "invalid configuration: FAULT_KILL_AFTER_APPEND: a test seam; refused when NODE_ENV is production",
    );
  });
});
