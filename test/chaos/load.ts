import { SANDBOX_BUYER } from "../../services/checkout/sandbox.ts";
import { REVENUE_CSV } from "../kredmint/active-user.ts";
import { sandboxAuth } from "../kredmint/harness.ts";
import { cancelRequest, initRequest, pushSignature, singleItem } from "../support/checkout-requests.ts";
import { sleep } from "../support/eventually.ts";
import { bearer } from "../support/http.ts";
import { approveInBrowser, HttpBrowser } from "../support/http-browser.ts";
import { multipartBody } from "../support/multipart.ts";

// The crash loop's load (issue 14 item 1): every money command of the Checkout API and /v1, driven over real
// HTTP by a few workers from one seed, as merchants, buyers and operators do it. A command whose reply is lost
// (the service killed under it) is retried with the same natural key (order_id) or Idempotency-Key until it
// is answered; the record keeps every command answered (acknowledged), every one never answered and every
// refusal, with the ids the checks look for in the log.

export type CommandKind = "init" | "approve" | "confirm" | "cancel" | "payout" | "repayment" | "disbursal";
export const COMMAND_KINDS: readonly CommandKind[] = [
  "init",
  "approve",
  "confirm",
  "cancel",
  "payout",
  "repayment",
  "disbursal",
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
  /** disbursal: its stream (`disbursal-<userId>:<invoiceNumber>`) and its IN-<n> id (the hold's name). */
  readonly streamId?: string;
  readonly disbursalId?: string;
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
  /** Why tries failed, by command kind and reason, with how often. */
  readonly retryReasons: Record<string, number>;
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
  | { readonly outcome: "retry"; readonly why?: string }
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

/** The landing page's status of a confirmed invoice (any status: the sandbox pays it on its own). */
const INVOICE_STATUS = /id="invoice-status" data-status="[A-Za-z]+">Invoice (IN-[0-9]+)/;

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

/** A 5xx (store or journal behind, the Checkout API's 9999), a 429 or a key still held. */
function transient(reply: Reply): boolean {
  return (
    reply.status === 429 ||
    reply.status >= 500 ||
    (reply.status === 409 && reply.json.code === "idempotency_request_in_progress")
  );
}

/** The mixed load, running until `stop()`; `done` resolves with the record once every worker finished. */
export function startMixedLoad(options: LoadOptions): { stop(): void; done: Promise<LoadRecord> } {
  const record: LoadRecord = { acknowledged: [], unanswered: [], refused: [], retries: 0, retryReasons: {} };
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
      const tried = await attempt().catch(
        (error: unknown): Try => ({ outcome: "retry", why: String(error).split("\n")[0]!.slice(0, 80) }),
      );
      if (tried.outcome === "retry") {
        const why = `${base.kind}: ${tried.why ?? "503 or key in progress"}`;
        record.retryReasons[why] = (record.retryReasons[why] ?? 0) + 1;
      }
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

  /** Retries `step` (a lost connection, a 5xx) within the window; for setup, which is not recorded. */
  async function retrying<T>(what: string, step: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + windowMs;
    for (;;) {
      const done = await step().catch(() => undefined);
      if (done !== undefined) return done;
      if (Date.now() > deadline) throw new Error(`chaos load: ${what} did not succeed within ${windowMs} ms`);
      record.retries++;
      await sleep(200);
    }
  }

  // The Partner API's user, made Active once (eligibility, financial data, the operator's approval).
  const mobile = `9${String(options.seed % 1_000_000_000).padStart(9, "0")}`;
  let partnerUser: Promise<string> | undefined;
  const activePartnerUser = () => {
    partnerUser ??= (async () => {
      const userId = await retrying("eligibility (profile)", async () => {
        const reply = await post(
          `${url}/kredmint/user/eligibility`,
          { username: mobile, page: "profile", source: "MOS" },
          sandboxAuth,
        );
        if (reply.status !== 200) return undefined;
        const payload = reply.json.payload as { landingUrl: string };
        return new URL(payload.landingUrl).searchParams.get("userId") ?? undefined;
      });
      await retrying("financial data upload", async () => {
        const form = multipartBody(
          { docType: "FINANCIAL_DATA", username: mobile },
          { file: { filename: "revenue.csv", contentType: "text/csv", content: REVENUE_CSV } },
        );
        const res = await fetch(`${url}/kredmint/user/document/upload`, {
          method: "POST",
          headers: { ...sandboxAuth, "content-type": form.contentType },
          body: new Uint8Array(form.payload),
          signal: AbortSignal.timeout(15_000),
        });
        return res.status === 200 ? true : undefined;
      });
      await retrying("the operator's approval", async () => {
        const reply = await post(
          `${url}/v1/partners/sandbox-partner/users/${userId}/decision`,
          { decision: "approve", creditLimit: "100000.00" },
          bearer(options.operatorKey),
        );
        // 409: approved by an earlier try whose reply was lost.
        return reply.status === 200 || reply.status === 409 ? true : undefined;
      });
      return userId;
    })();
    return partnerUser;
  };

  /** An invoice of ₹500 paid by credit: the partner's eligibility call names it, the user confirms it on the page. */
  async function disbursal(invoiceNumber: string): Promise<void> {
    const userId = await activePartnerUser();
    const base: Command = {
      kind: "disbursal",
      key: invoiceNumber,
      streamId: `disbursal-${userId}:${invoiceNumber}`,
    };
    // The same details on every try: the invoice number is the partner's idempotency key.
    const paymentDate = Date.now();
    await command(base, async () => {
      const banner = await post(
        `${url}/kredmint/user/eligibility`,
        {
          username: mobile,
          page: "payment",
          source: "MOS",
          invoiceNumber,
          amount: 500.0,
          paymentDate,
        },
        sandboxAuth,
      );
      if (transient(banner)) return { outcome: "retry" };
      if (banner.status !== 200) return { outcome: "refused", reason: JSON.stringify(banner.json) };
      const browser = new HttpBrowser();
      const page = `${url}/kredmint/auth/page`;
      await browser.get(String((banner.json.payload as { landingUrl: string }).landingUrl));
      await browser.get(page);
      const signIn = await browser.submit("mobile-form", { mobile });
      if (signIn.status !== 303) return { outcome: "retry", why: `mobile HTTP ${signIn.status}` };
      const otp = await browser.get(page);
      if (!otp.body.includes('id="otp-form"')) return { outcome: "retry", why: "no OTP form" };
      const verified = await browser.submit("otp-form", { otp: "1234" });
      if (verified.status !== 303) return { outcome: "retry", why: `OTP HTTP ${verified.status}` };
      const invoice = await browser.get(page);
      // Confirmed by a try whose reply was lost: the page shows the disbursal's status instead of the form.
      if (INVOICE_STATUS.test(invoice.body)) return { outcome: "lost" };
      if (invoice.body.includes('id="not-covered"'))
        return { outcome: "refused", reason: "credit not covering" };
      if (!invoice.body.includes('id="invoice-form"')) return { outcome: "retry", why: "no invoice form" };
      const confirm = await browser.submit("invoice-form");
      if (confirm.status !== 303) return { outcome: "retry", why: `confirm HTTP ${confirm.status}` };
      const confirmed = INVOICE_STATUS.exec((await browser.get(page)).body)?.[1];
      return confirmed
        ? { outcome: "ack", command: { ...base, disbursalId: confirmed } }
        : { outcome: "refused", reason: "no disbursal on the page after the confirmation" };
    });
  }

  async function worker(index: number): Promise<void> {
    const random = seededRandom(options.seed * 31 + index);
    for (let n = 0; !stopped; n++) {
      const key = `CHAOS-${options.seed}-${index}-${n}`;
      const pick = random();
      if (pick < 0.7) await checkout(random, key);
      else if (pick < 0.8) await payoutRun(`payout-${key}`);
      else if (pick < 0.9) await repayment(`repay-${key}`);
      else await disbursal(key);
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
