import { expect } from "vitest";
import type { Tenure } from "../../services/ledger/creditline/creditline.events.ts";
import { kredivoLine } from "../../services/ledger/creditline/creditline.stream.ts";
import type { CheckoutHarness } from "../checkout/harness.ts";
import { approveAs, type Buyer } from "./buyers.ts";
import { nextOrder, pushSignature, sampleInit, singleItem } from "./checkout-requests.ts";
import { kredivoMeta } from "./merchants.ts";

// Flows the money tests share, driven through the composed runtime: checkouts settled through HTTP
// (init → hosted-page approval through the service → checkout/update), buyers and merchants registered as
// events, and a business clock the tests move forward.

/** The use cases' clock: the system clock moved by `offsetMs`, which a test sets and resets. */
export class BusinessClock {
  offsetMs = 0;
  readonly now = (): Date => new Date(Date.now() + this.offsetMs);
  /** Runs `work` with business time `ms` ahead, then puts the clock back. */
  async ahead<T>(ms: number, work: () => Promise<T>): Promise<T> {
    const before = this.offsetMs;
    this.offsetMs = before + ms;
    try {
      return await work();
    } finally {
      this.offsetMs = before;
    }
  }
}

export const DAY_MS = 24 * 3_600_000;

export interface Settled {
  readonly transactionId: string;
  readonly orderId: string;
  readonly amount: number;
}

/** checkout/init through HTTP; answers the transaction id. */
export async function initThroughHttp(
  h: CheckoutHarness,
  options: { amount: number; tenure?: Tenure; pushUrl?: string; orderId?: string },
): Promise<{ transactionId: string; orderId: string }> {
  const orderId = options.orderId ?? nextOrder("ORD");
  const res = await h.post(
    "/checkout/init",
    sampleInit(orderId, {
      ...singleItem(options.amount),
      tenure: options.tenure ?? 1,
      ...(options.pushUrl === undefined ? {} : { push_url: options.pushUrl }),
    }),
  );
  const json = res.json() as { status: number; transaction_id?: string };
  expect(json.status, res.body).toBe(1);
  return { transactionId: String(json.transaction_id), orderId };
}

/** checkout/update "settled" with the push's signature_key, through HTTP. */
export async function confirmThroughHttp(
  h: CheckoutHarness,
  t: { transactionId: string; orderId: string; amount: number; tenure?: Tenure },
): Promise<void> {
  const signature = pushSignature({
    transactionId: t.transactionId,
    orderId: t.orderId,
    amountMinor: BigInt(t.amount),
    tenure: t.tenure ?? 1,
  });
  const res = await h.post("/checkout/update", {
    signature_key: signature,
    transaction_id: t.transactionId,
    status: "settled",
  });
  expect((res.json() as { status: unknown }).status, res.body).toBe("settlement");
}

/** A checkout of `amount` VND settled end to end (the sandbox buyer unless another is given). */
export async function settleThroughHttp(
  h: CheckoutHarness,
  options: { amount: number; tenure?: Tenure; pushUrl?: string; buyer?: Buyer },
): Promise<Settled> {
  const { transactionId, orderId } = await initThroughHttp(h, options);
  const phase = await approveAs(h, transactionId, options.buyer, options.tenure);
  expect(phase).toBe("pending");
  await confirmThroughHttp(h, { transactionId, orderId, amount: options.amount, tenure: options.tenure });
  return { transactionId, orderId, amount: options.amount };
}

let buyers = 0;

/** A new buyer with a credit line of `limit` VND (per tenure: `perTenure`, default the limit on every tenure). */
export async function registerBuyer(
  h: CheckoutHarness,
  limit: bigint,
  perTenure: Partial<Record<Tenure, bigint>> = { 1: limit, 3: limit, 6: limit, 12: limit },
): Promise<Buyer> {
  const n = ++buyers;
  const buyer: Buyer = {
    userId: `buyer-${process.pid}-${Date.now()}-${n}`,
    phone: `8${String(process.pid).padStart(6, "0")}${String(n).padStart(4, "0")}`.slice(0, 12),
    pin: "123456",
    otp: "4321",
  };
  const profile = {
    userId: buyer.userId,
    phone: buyer.phone,
    pinRef: await h.checkout.buyerSecrets.store(buyer.pin),
    otpRef: await h.checkout.buyerSecrets.store(buyer.otp),
  };
  const registered = await h.checkout.buyers.handle(
    `buyer-${buyer.userId}`,
    { type: "Register", profile },
    kredivoMeta(),
  );
  const limited = await h.checkout.creditLines.handle(
    `creditline-${buyer.userId}`,
    {
      type: "SetLimit",
      line: kredivoLine(buyer.userId),
      limit: {
        kind: "instalment",
        totalMinor: limit,
        perTenureMinor: Object.entries(perTenure).map(([tenure, limitMinor]) => ({
          tenure: tenureOf(Number(tenure)),
          limitMinor,
        })),
      },
      reason: "test buyer",
    },
    kredivoMeta(),
  );
  const position = limited.position ?? registered.position;
  if (position) await h.checkout.waitForProjections(position);
  return buyer;
}

function tenureOf(n: number): Tenure {
  if (n === 1 || n === 3 || n === 6 || n === 12) return n;
  throw new Error(`not a tenure: ${n}`);
}
