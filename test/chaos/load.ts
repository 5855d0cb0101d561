import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { cancelRequest, initRequest, pushSignature, singleItem } from "../support/checkout-requests.ts";
import { sleep } from "../support/eventually.ts";
import { bearer } from "../support/http.ts";
import { approveInBrowser, HttpBrowser } from "../support/http-browser.ts";

// The crash loop's load (issue 14 item 1): every money command of the Checkout API and /v1, driven over real
// HTTP by a few workers from one seed, as merchants, buyers and operators do it. A command whose reply is lost
// (the service killed under it) is retried with the same natural key (order_id) or Idempotency-Key until it
// is answered; the record keeps every command answered (acknowledged), every one never answered and every
// refusal, with the ids the checks look for in the log.

export type CommandKind = "init" | "approve" | "confirm" | "cancel" | "payout" | "repayment";
export const COMMAND_KINDS: readonly CommandKind[] = [
  "init",
  "approve",
  "confirm",
  "cancel",
  "payout",
  "repayment",
];

export interface Command {
  readonly kind: CommandKind;
  /** The key a retry repeats: the order_id or the Idempotency-Key. */
  readonly key: string;
  readonly transactionId?: string;
  /** confirm: what the merchant reported. */
  readonly status?: "settled" | "failed";
  /** payout: the payouts the answer lists. */
  readonly payoutIds?: readonly string[];
  /** repayment: the repayment the answer names. */
  readonly repaymentId?: string;
  /** init: where its pushes go, and the hosted page. */
  readonly pushUrl?: string;
  readonly checkoutUrl?: string;
}

export interface LoadRecord {
  readonly acknowledged: Command[];
  /** Sent, never answered within the retry window: in the log at most once. */
  readonly unanswered: Command[];
  readonly refused: (Command & { readonly reason: string })[];
  /** Requests that failed (connection lost, 503, key in progress) and were sent again. */
  retries: number;
}

/** mulberry32: a small seeded generator, so one CHAOS_SEED replays the same choices. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One try of a command: answered (with its ids), refused for good, or to be sent again. */
type Try =
  | { readonly outcome: "ack"; readonly command: Command }
  | { readonly outcome: "refused"; readonly reason: string }
  | { readonly outcome: "retry" }
  /** Applied by an earlier try whose reply was lost: the story goes on, the command stays unanswered. */
  | { readonly outcome: "lost" };

export interface LoadOptions {
  /** The service's base URL (the same across restarts: a fixed port). */
  readonly url: string;
  readonly seed: number;
  readonly workers: number;
  /** The merchant's push receiver; a share of checkouts push to a dead port instead (dead letters). */
  readonly pushUrl: string;
  readonly operatorKey: string;
  /** How long one command is retried before it counts as unanswered. */
  readonly retryWindowMs?: number;
}

const DEAD_PUSH_URL = "http://127.0.0.1:9/kredivo/push";

interface Reply {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  try {
    return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { status: res.status, json: { unparsed: text } };
  }
}

/** A lost connection, a 503 (store or journal behind, the Checkout API's 9999) or a key still held. */
function transient(reply: Reply): boolean {
  return (
    reply.status === 503 ||
    reply.status >= 500 ||
    (reply.status === 409 && reply.json.code === "idempotency_request_in_progress")
  );
}

/** The mixed load, running until `stop()`; `done` resolves with the record once every worker finished. */
export function startMixedLoad(options: LoadOptions): { stop(): void; done: Promise<LoadRecord> } {
  const record: LoadRecord = { acknowledged: [], unanswered: [], refused: [], retries: 0 };
  const windowMs = options.retryWindowMs ?? 90_000;
  const { url } = options;
  let stopped = false;
  // One payout run at a time: two concurrent runs may conflict on a transaction (409), which is not a crash.
  let payoutRunning = false;

  /**
   * Sends `attempt` until answered or refused, or the window ends; records the outcome. Answers the command
   * when it was applied (acknowledged, or its reply lost), undefined otherwise.
   */
  async function command(base: Command, attempt: () => Promise<Try>): Promise<Command | undefined> {
    const deadline = Date.now() + windowMs;
    for (let first = true; ; first = false) {
      if (!first) record.retries++;
      const tried = await attempt().catch((): Try => ({ outcome: "retry" }));
      if (tried.outcome === "ack") {
        record.acknowledged.push(tried.command);
        return tried.command;
      }
      if (tried.outcome === "lost") {
        record.unanswered.push(base);
        return base;
      }
      if (tried.outcome === "refused") {
        record.refused.push({ ...base, reason: tried.reason });
        return undefined;
      }
      if (Date.now() > deadline) {
        record.unanswered.push(base);
        return undefined;
      }
      await sleep(200);
    }
  }

  async function checkout(random: () => number, orderId: string): Promise<void> {
    const amount = 100_000 * (1 + Math.floor(random() * 10));
    const pushUrl = random() < 0.1 ? DEAD_PUSH_URL : options.pushUrl;
    const init = await command({ kind: "init", key: orderId, pushUrl }, async () => {
      const reply = await post(`${url}/kredivo/checkout/init`, {
        ...initRequest(orderId, pushUrl),
        ...singleItem(amount),
      });
      if (transient(reply)) return { outcome: "retry" };
      if (reply.json.status !== 1) return { outcome: "refused", reason: JSON.stringify(reply.json) };
      const transactionId = String(reply.json.transaction_id);
      return {
        outcome: "ack",
        command: {
          kind: "init",
          key: orderId,
          transactionId,
          pushUrl,
          checkoutUrl: String(reply.json.checkout_url),
        },
      };
    });
    if (!init?.transactionId) return;
    const { transactionId, checkoutUrl } = init;

    const approve: Command = { kind: "approve", key: orderId, transactionId };
    const approved = await command(approve, async () => {
      // A retry after a lost reply: the approval may have been made; the page then offers no sign-in.
      const page = await new HttpBrowser().get(checkoutUrl!);
      if (page.status >= 500) return { outcome: "retry" };
      if (!page.body.includes('id="sign-in"')) return { outcome: "lost" };
      const reply = await approveInBrowser(checkoutUrl!);
      if (reply.status === 303) return { outcome: "ack", command: approve };
      return reply.status >= 500
        ? { outcome: "retry" }
        : { outcome: "refused", reason: `page ${reply.status}` };
    });
    if (!approved) return;

    const settle = random() < 0.8;
    const confirm: Command = {
      kind: "confirm",
      key: orderId,
      transactionId,
      status: settle ? "settled" : "failed",
    };
    const confirmed = await command(confirm, async () => {
      const reply = await post(`${url}/kredivo/checkout/update`, {
        signature_key: pushSignature({ transactionId, orderId, amountMinor: BigInt(amount), tenure: 1 }),
        transaction_id: transactionId,
        status: settle ? "settled" : "failed",
      });
      if (transient(reply)) return { outcome: "retry" };
      const expected = settle ? "settlement" : "failed";
      return reply.json.status === expected
        ? { outcome: "ack", command: confirm }
        : { outcome: "refused", reason: JSON.stringify(reply.json) };
    });
    if (!confirmed || !settle || random() >= 0.3) return;

    const cancel: Command = { kind: "cancel", key: `cancel-${orderId}`, transactionId };
    await command(cancel, async () => {
      const reply = await post(
        `${url}/kredivo/transaction/cancel`,
        cancelRequest({ transactionId, orderId }),
        {
          "idempotency-key": cancel.key,
        },
      );
      if (transient(reply)) return { outcome: "retry" };
      return reply.json.status === 1
        ? { outcome: "ack", command: cancel }
        : { outcome: "refused", reason: JSON.stringify(reply.json) };
    });
  }

  async function payoutRun(key: string): Promise<void> {
    if (payoutRunning) return;
    payoutRunning = true;
    try {
      await command({ kind: "payout", key }, async () => {
        const reply = await post(
          `${url}/v1/payouts/run`,
          {},
          { ...bearer(options.operatorKey), "idempotency-key": key },
        );
        if (transient(reply)) return { outcome: "retry" };
        if (reply.status !== 200 && reply.status !== 201)
          return { outcome: "refused", reason: JSON.stringify(reply.json) };
        const payouts = reply.json.payouts as { payoutId: string }[];
        return {
          outcome: "ack",
          command: { kind: "payout", key, payoutIds: payouts.map((p) => p.payoutId) },
        };
      });
    } finally {
      payoutRunning = false;
    }
  }

  async function repayment(key: string): Promise<void> {
    const body = { userId: SANDBOX_BUYER.userId, amount: "100000", bankReference: `UTR-${key}` };
    await command({ kind: "repayment", key }, async () => {
      const reply = await post(`${url}/v1/repayments`, body, {
        ...bearer(options.operatorKey),
        "idempotency-key": key,
      });
      if (transient(reply)) return { outcome: "retry" };
      if (reply.status !== 201) return { outcome: "refused", reason: String(reply.json.code) };
      return {
        outcome: "ack",
        command: { kind: "repayment", key, repaymentId: String(reply.json.repaymentId) },
      };
    });
  }

  async function worker(index: number): Promise<void> {
    const random = seededRandom(options.seed * 31 + index);
    for (let n = 0; !stopped; n++) {
      const key = `CHAOS-${options.seed}-${index}-${n}`;
      const pick = random();
      if (pick < 0.8) await checkout(random, key);
      else if (pick < 0.9) await payoutRun(`payout-${key}`);
      else await repayment(`repay-${key}`);
    }
  }

  const done = Promise.all(Array.from({ length: options.workers }, (_, i) => worker(i))).then(() => record);
  return {
    stop() {
      stopped = true;
    },
    done,
  };
}
