import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { creditLineCodec } from "../../services/ledger/creditline/creditline.events.ts";
import { WrongExpectedRevision } from "../../services/platform/eventstore/port.ts";
import { type CheckoutHarness, startCheckoutHarness } from "../checkout/harness.ts";
import { browser, pageUrl } from "../checkout/hosted-page-support.ts";
import type { Buyer } from "../support/buyers.ts";
import { initThroughHttp, registerBuyer } from "../support/money-flows.ts";

// 100 concurrent approvals through HTTP against one buyer whose credit line covers exactly 10 of them.
// Every checkout is inited over HTTP and walked through the hosted page (sign in, OTP) by its own
// browser-like client with cookies; then the 100 approve form posts are fired at once. The credit line is
// one stream with optimistic concurrency, so exactly 10 holds may be placed: 10 Pending, 90 Denied, held =
// 10 × amount in the decider state and the credit_lines view, and the running held in the stream never
// above the limit.

const AMOUNT = 1_000_000;
const COVERED = 10;
const CHECKOUTS = 100;
const LIMIT = BigInt(COVERED * AMOUNT);

let h: CheckoutHarness;

beforeAll(async () => {
  h = await startCheckoutHarness({ env: { CONFIRM_TIMEOUT_SECONDS: "600" } });
});
afterAll(async () => {
  await h?.close();
});

type Browser = ReturnType<typeof browser>;

/** Init over HTTP, then the hosted page's sign-in and OTP forms; answers the browser at the summary page. */
async function upToSummary(buyer: Buyer): Promise<{ transactionId: string; b: Browser }> {
  const { transactionId } = await initThroughHttp(h, { amount: AMOUNT, tenure: 1 });
  const b = browser(h.app);
  await b.get(pageUrl(transactionId));
  const signedIn = await b.submit("sign-in", { phone: buyer.phone, pin: buyer.pin });
  expect(signedIn.statusCode, signedIn.body).toBe(303);
  await b.get(pageUrl(transactionId));
  const verified = await b.submit("otp", { otp: buyer.otp });
  expect(verified.statusCode, verified.body).toBe(303);
  const summary = await b.get(pageUrl(transactionId));
  expect(summary.statusCode).toBe(200);
  expect(summary.body).toContain('id="approve"');
  return { transactionId, b };
}

async function inBatches<T>(count: number, size: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; start < count; start += size) {
    const batch = Array.from({ length: Math.min(size, count - start) }, (_, k) => work(start + k));
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

describe("concurrent approvals against one credit line", () => {
  it(`${CHECKOUTS} approvals at once through HTTP: exactly ${COVERED} Pending, the rest Denied, held = ${COVERED} × amount`, async () => {
    const buyer = await registerBuyer(h, LIMIT);
    const checkouts = await inBatches(CHECKOUTS, 20, () => upToSummary(buyer));
    expect(new Set(checkouts.map((c) => c.transactionId)).size).toBe(CHECKOUTS);

    // Fire all 100 approve posts at once. Instrumented: how many approvals overlap inside the service, and
    // how many credit-line appends lost the optimistic-concurrency race (and were retried by the handler).
    const approve = h.checkout.approve;
    let inFlight = 0;
    let maxInFlight = 0;
    h.checkout.approve = async (...args) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        return await approve(...args);
      } finally {
        inFlight--;
      }
    };
    const append = h.store.append.bind(h.store);
    let conflicts = 0;
    h.store.append = async (streamId, events, options) => {
      try {
        return await append(streamId, events, options);
      } catch (error) {
        if (error instanceof WrongExpectedRevision && streamId.startsWith("creditline-")) conflicts++;
        throw error;
      }
    };
    const started = performance.now();
    let replies: Awaited<ReturnType<Browser["submit"]>>[];
    try {
      replies = await Promise.all(checkouts.map(({ b }) => b.submit("approve", { tenure: "1" })));
    } finally {
      h.checkout.approve = approve;
      h.store.append = append;
    }
    console.info(
      `${CHECKOUTS} approvals in ${Math.round(performance.now() - started)} ms; at most ${maxInFlight} in flight, ` +
        `${conflicts} credit-line revision conflicts retried`,
    );
    expect(maxInFlight).toBeGreaterThan(1);
    for (const reply of replies) expect([200, 303], reply.body.slice(0, 500)).toContain(reply.statusCode);
    expect(replies.filter((r) => r.statusCode === 303)).toHaveLength(COVERED);

    // The decider state of every checkout: 10 pending, 90 denied.
    const phases = await Promise.all(
      checkouts.map(async (c) => (await h.checkout.page(c.transactionId)).state.phase),
    );
    const count = (phase: string) => phases.filter((p) => p === phase).length;
    expect({ pending: count("pending"), denied: count("denied") }).toEqual({
      pending: COVERED,
      denied: CHECKOUTS - COVERED,
    });
    // The redirect (303 to the merchant) was exactly the pending ones.
    checkouts.forEach((c, i) => {
      expect(replies[i]!.statusCode === 303, c.transactionId).toBe(phases[i] === "pending");
    });

    // The status view agrees once the projections caught up.
    await h.checkout.waitForProjections(await h.quietHead());
    const rows = await h.readStore.query(
      "SELECT transaction_id, phase, trx_status FROM checkout_transactions WHERE user_id = ?",
      [buyer.userId],
    );
    expect(rows).toHaveLength(CHECKOUTS);
    const viewPhases = new Map(rows.map((r) => [String(r.transaction_id), String(r.phase)]));
    checkouts.forEach((c, i) => {
      expect(viewPhases.get(c.transactionId)).toBe(phases[i]);
    });
    expect(rows.filter((r) => r.trx_status === "denied")).toHaveLength(CHECKOUTS - COVERED);

    // Credit line: decider state and view.
    const line = (await h.checkout.creditLines.load(`creditline-${buyer.userId}`)).state;
    expect(line.heldMinor).toBe(LIMIT);
    expect(line.usedMinor).toBe(0n);
    const held = [...line.holds.entries()].filter(([, hold]) => hold.state === "held").map(([tx]) => tx);
    expect(new Set(held)).toEqual(
      new Set(checkouts.filter((_, i) => phases[i] === "pending").map((c) => c.transactionId)),
    );
    const [view] = await h.readStore.query(
      "SELECT total_minor, held_minor, used_minor FROM credit_lines WHERE user_id = ?",
      [buyer.userId],
    );
    expect({
      total: BigInt(String(view?.total_minor)),
      held: BigInt(String(view?.held_minor)),
      used: BigInt(String(view?.used_minor)),
    }).toEqual({ total: LIMIT, held: LIMIT, used: 0n });

    // The stream: holds appear one at a time and the running held never exceeds the limit.
    const stream = await h.store.readStream(`creditline-${buyer.userId}`, {
      fromRevision: 0,
      maxCount: 10_000,
    });
    let running = 0n;
    let peak = 0n;
    let holds = 0;
    for (const envelope of stream) {
      const event = creditLineCodec.decode(envelope);
      if (event.type === "CreditHeld") {
        running += event.data.amountMinor;
        holds++;
      } else if (event.type === "CreditHoldReleased" || event.type === "CreditHoldCaptured") {
        running -= event.data.amountMinor;
      }
      expect(running, `after revision ${envelope.revision}`).toBeLessThanOrEqual(LIMIT);
      if (running > peak) peak = running;
    }
    expect(holds).toBe(COVERED);
    expect(peak).toBe(LIMIT);
  });
});
